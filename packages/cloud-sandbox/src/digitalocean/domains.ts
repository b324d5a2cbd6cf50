/** DigitalOcean DNS: domains and their records. */
import type { RequestContext } from '../emulator';
import { renderDomain } from './render';
import { errorReply, NotFound, ok, paginate, type DigitalOceanState, type Domain, type DomainRecord, type Handlers } from './state';

export function domainHandlers(s: DigitalOceanState): Handlers {
  let recordIds = 1000;
  const domain = (name: string | undefined): Domain => {
    const d = name ? s.domains.get(name.toLowerCase()) : undefined;
    if (!d) throw new NotFound();
    return d;
  };
  const domainRecord = (ctx: RequestContext): DomainRecord => {
    const d = domain(ctx.params.domain_name);
    const r = d.records.find(x => String(x.id) === ctx.params.domain_record_id);
    if (!r) throw new NotFound();
    return r;
  };
  const record = (b: any): DomainRecord => ({ id: recordIds++, type: b.type, name: b.name ?? '@', data: String(b.data), priority: b.priority ?? null, port: b.port ?? null, ttl: b.ttl ?? 1800, weight: b.weight ?? null, flags: b.flags ?? null, tag: b.tag ?? null });
  return {
    domains_list: ctx => {
      const page = paginate(ctx, [...s.domains.values()]);
      return ok(200, { domains: page.items.map(d => renderDomain(d)), links: page.links, meta: page.meta });
    },
    domains_create: ctx => {
      const name = String(ctx.body?.name ?? '').toLowerCase();
      if (!/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(name)) return errorReply(422, `invalid domain name "${name}"`);
      if (s.domains.has(name)) return errorReply(422, `domain "${name}" already exists`);
      const d: Domain = { name, ttl: 1800, records: [] };
      for (const ns of ['ns1', 'ns2', 'ns3']) d.records.push(record({ type: 'NS', name: '@', data: `${ns}.digitalocean.com`, ttl: 1800 }));
      if (ctx.body.ip_address) d.records.push(record({ type: 'A', name: '@', data: ctx.body.ip_address, ttl: 1800 }));
      s.domains.set(name, d);
      return ok(201, { domain: { name, ttl: 1800, zone_file: null } });
    },
    domains_get: ctx => ok(200, { domain: renderDomain(domain(ctx.params.domain_name)) }),
    domains_delete: ctx => {
      const d = domain(ctx.params.domain_name);
      s.domains.delete(d.name);
      return { status: 204 };
    },
    domains_list_records: ctx => {
      const d = domain(ctx.params.domain_name);
      const name = ctx.query.get('name');
      const type = ctx.query.get('type');
      const fqdn = (r: DomainRecord) => (r.name === '@' ? d.name : `${r.name}.${d.name}`);
      const page = paginate(ctx, d.records.filter(r => (!name || fqdn(r) === name) && (!type || r.type === type)));
      return ok(200, { domain_records: page.items, links: page.links, meta: page.meta });
    },
    domains_create_record: ctx => {
      const d = domain(ctx.params.domain_name);
      const b = ctx.body ?? {};
      if (!b.type || b.data === undefined) return errorReply(422, 'type and data are required');
      const r = record(b);
      d.records.push(r);
      return ok(201, { domain_record: r });
    },
    domains_get_record: ctx => ok(200, { domain_record: domainRecord(ctx) }),
    domains_update_record: ctx => {
      const r = domainRecord(ctx);
      const b = ctx.body ?? {};
      for (const key of ['type', 'name', 'data', 'priority', 'port', 'ttl', 'weight', 'flags', 'tag'] as const) if (b[key] !== undefined) (r as any)[key] = b[key];
      return ok(200, { domain_record: r });
    },
    domains_delete_record: ctx => {
      const d = domain(ctx.params.domain_name);
      const r = domainRecord(ctx);
      d.records = d.records.filter(x => x !== r);
      return { status: 204 };
    },
  };
}
