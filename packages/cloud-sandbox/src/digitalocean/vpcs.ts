/** VPC networks: a region's default one is made on first use; others by `POST /v2/vpcs`. */
import { randomUUID } from 'node:crypto';
import { REGIONS } from './catalog';
import { renderVpc } from './render';
import { errorReply, NotFound, ok, paginate, type DigitalOceanState, type Handlers, type Vpc } from './state';

export function vpcHandlers(s: DigitalOceanState): Handlers {
  return {
    vpcs_list: ctx => {
      const page = paginate(ctx, [...s.vpcs.values()]);
      return ok(200, { vpcs: page.items.map(v => renderVpc(v)), links: page.links, meta: page.meta });
    },
    vpcs_create: ctx => {
      const b = ctx.body;
      if ([...s.vpcs.values()].some(v => v.name === b.name)) return errorReply(422, `a VPC with the name "${b.name}" already exists`);
      if (!REGIONS[b.region]) return errorReply(422, `invalid region "${b.region}"`);
      const v: Vpc = { id: randomUUID(), name: b.name, description: b.description ?? '', region: b.region, ip_range: b.ip_range ?? `10.${110 + s.vpcs.size}.0.0/20`, default: false, created: s.clock.now() };
      s.vpcs.set(v.id, v);
      return ok(201, { vpc: renderVpc(v) });
    },
    vpcs_get: ctx => {
      const v = s.vpcs.get(ctx.params.vpc_id ?? '');
      if (!v) throw new NotFound();
      return ok(200, { vpc: renderVpc(v) });
    },
    vpcs_update: ctx => {
      const v = s.vpcs.get(ctx.params.vpc_id ?? '');
      if (!v) throw new NotFound();
      const b = ctx.body;
      if (b.name !== v.name && [...s.vpcs.values()].some(o => o.name === b.name)) return errorReply(422, `a VPC with the name "${b.name}" already exists`);
      v.name = b.name;
      if (b.description !== undefined) v.description = b.description;
      if (b.default === true && !v.default) {
        for (const o of s.vpcs.values()) if (o.region === v.region) o.default = false;
        v.default = true;
      }
      return ok(200, { vpc: renderVpc(v) });
    },
    vpcs_delete: ctx => {
      const v = s.vpcs.get(ctx.params.vpc_id ?? '');
      if (!v) throw new NotFound();
      if (v.default) return errorReply(403, 'The default VPC network of a region cannot be deleted.');
      const used = [...s.clusters.values()].some(c => c.vpc_uuid === v.id) || [...s.databases.values()].some(d => d.private_network_uuid === v.id) || [...s.loadBalancers.values()].some(lb => lb.vpc_uuid === v.id);
      if (used) return errorReply(403, 'Can not delete VPC with members');
      s.vpcs.delete(v.id);
      return { status: 204 };
    },
  };
}
