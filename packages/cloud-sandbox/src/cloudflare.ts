/**
 * Cloudflare API emulator: zones (looked up by name), DNS records with the filters and
 * `page`/`per_page`/`result_info` the SDK uses, the `ssl` zone setting, Origin CA certificates,
 * all in the `{success, errors, messages, result}` envelope.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { iso } from './clock';
import { OriginCa } from './originCa';
import {
  Emulator,
  type EmulatorOptions,
  type Handler,
  type Reply,
  type RequestContext,
} from './emulator';

export interface CloudflareOptions extends EmulatorOptions {
  /** Zones that exist from the start (e.g. ['example.com']). */
  zones?: string[];
  /** Origin CA key accepted in X-Auth-User-Service-Key (the API token is accepted too). */
  serviceKey?: string;
}

interface Zone {
  id: string;
  name: string;
  created: number;
  settings: Record<string, { value: unknown; modified: number | null }>;
}
interface DnsRecord {
  id: string;
  zoneId: string;
  type: string;
  name: string;
  content: string;
  ttl: number;
  proxied: boolean;
  comment: string | null;
  tags: string[];
  priority?: number;
  data?: Record<string, unknown>;
  created: number;
  modified: number;
}
interface OriginCertificate {
  id: string;
  certificate: string;
  csr: string;
  hostnames: string[];
  request_type: string;
  requested_validity: number;
  expires: number;
  revoked?: number;
}

/** Settings the emulator knows, with their allowed values (null: any) and defaults. */
const SETTINGS: Record<string, { values: unknown[] | null; initial: unknown }> =
  {
    ssl: { values: ['off', 'flexible', 'full', 'strict'], initial: 'full' },
    always_use_https: { values: ['on', 'off'], initial: 'off' },
    automatic_https_rewrites: { values: ['on', 'off'], initial: 'on' },
    min_tls_version: { values: ['1.0', '1.1', '1.2', '1.3'], initial: '1.0' },
    tls_1_3: { values: ['on', 'off', 'zrt'], initial: 'on' },
  };

const ERROR_CODES: Record<number, number> = {
  400: 6003,
  401: 10000,
  403: 10000,
  404: 7003,
  405: 7001,
  409: 1061,
  422: 1004,
  429: 10000,
  500: 10001,
  501: 10001,
  503: 10001,
};
const PROXIABLE = new Set(['A', 'AAAA', 'CNAME']);
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

class CfError extends Error {
  constructor(readonly status: number, readonly code: number, message: string) {
    super(message);
  }
}

function textFilter(
  value: string,
  query: URLSearchParams,
  key: string,
): boolean | undefined {
  // undefined: no filter on this key
  const v = value.toLowerCase();
  const checks: boolean[] = [];
  const plain = query.get(key);
  if (plain !== null) checks.push(v === plain.toLowerCase());
  const exact = query.get(`${key}.exact`);
  if (exact !== null) checks.push(v === exact.toLowerCase());
  const contains = query.get(`${key}.contains`);
  if (contains !== null) checks.push(v.includes(contains.toLowerCase()));
  const starts = query.get(`${key}.startswith`);
  if (starts !== null) checks.push(v.startsWith(starts.toLowerCase()));
  const ends = query.get(`${key}.endswith`);
  if (ends !== null) checks.push(v.endsWith(ends.toLowerCase()));
  return checks.length === 0 ? undefined : checks.every(Boolean);
}

export class CloudflareEmulator extends Emulator {
  readonly provider = 'cloudflare' as const;
  protected declare readonly options: CloudflareOptions;
  readonly accountId = hex(16);
  readonly serviceKey: string;
  readonly zones = new Map<string, Zone>();
  readonly records = new Map<string, DnsRecord>();
  readonly certificates = new Map<string, OriginCertificate>();
  readonly #originCa = new OriginCa();

  /** The Origin CA's root certificate (PEM): what the certificates it issues chain to. */
  originCaRoot(): Promise<string> {
    return this.#originCa.rootPem();
  }
  #handlers?: Record<string, Handler>;

  constructor(options: CloudflareOptions = {}) {
    super(options);
    this.serviceKey = options.serviceKey ?? `v1.0-sandbox-${hex(20)}`;
    for (const name of options.zones ?? []) this.addZone(name);
  }

  protected defaultToken(): string {
    return `sandbox-${hex(20)}`;
  }

  get url(): string {
    return `${this.origin}/client/v4`;
  }

  /** Adds a zone (as if it had been added to the account and activated); returns its id. */
  addZone(name: string): { id: string; name: string } {
    const lower = name.toLowerCase();
    for (const z of this.zones.values())
      if (z.name === lower) throw new Error(`zone ${lower} exists`);
    const now = this.clock.now();
    const zone: Zone = { id: hex(16), name: lower, created: now, settings: {} };
    for (const [id, s] of Object.entries(SETTINGS))
      zone.settings[id] = { value: s.initial, modified: null };
    this.zones.set(zone.id, zone);
    return { id: zone.id, name: zone.name };
  }

  protected errorReply(
    status: number,
    message: string,
    code?: string | number,
  ): Reply {
    return {
      status,
      body: {
        success: false,
        errors: [
          { code: Number(code ?? ERROR_CODES[status] ?? 10000), message },
        ],
        messages: [],
        result: null,
      },
    };
  }

  protected authorized(req: IncomingMessage): boolean {
    if (req.headers.authorization === `Bearer ${this.token}`) return true;
    return (
      req.headers['x-auth-user-service-key'] === this.serviceKey &&
      (req.url ?? '').startsWith('/client/v4/certificates')
    );
  }

  protected commonHeaders(): Record<string, string> {
    return { 'cf-ray': `${hex(8)}-SBX` };
  }

  #ok(result: unknown, resultInfo?: unknown): Reply {
    return {
      status: 200,
      body: {
        success: true,
        errors: [],
        messages: [],
        result,
        ...(resultInfo ? { result_info: resultInfo } : {}),
      },
    };
  }

  #page<T>(
    query: URLSearchParams,
    items: T[],
    defaultPerPage: number,
  ): { items: T[]; info: Record<string, number> } {
    const perPage = Math.max(
      Number(query.get('per_page') ?? defaultPerPage) || defaultPerPage,
      1,
    );
    const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    return {
      items: slice,
      info: {
        page,
        per_page: perPage,
        count: slice.length,
        total_count: items.length,
        total_pages: Math.max(Math.ceil(items.length / perPage), 1),
      },
    };
  }

  #zone(id: string | undefined): Zone {
    const z = id ? this.zones.get(id) : undefined;
    if (!z) throw new CfError(404, 1001, 'Invalid zone identifier');
    return z;
  }

  #renderZone(z: Zone) {
    return {
      id: z.id,
      name: z.name,
      status: 'active',
      paused: false,
      type: 'full',
      development_mode: 0,
      name_servers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
      original_name_servers: null,
      original_registrar: null,
      original_dnshost: null,
      created_on: iso(z.created),
      modified_on: iso(z.created),
      activated_on: iso(z.created),
      owner: { id: this.accountId, type: 'organization', name: 'Sandbox' },
      account: { id: this.accountId, name: 'Sandbox' },
      meta: {
        step: 4,
        custom_certificate_quota: 0,
        page_rule_quota: 3,
        phishing_detected: false,
        cdn_only: false,
        dns_only: false,
        foundation_dns: false,
      },
      permissions: [
        '#zone:read',
        '#zone:edit',
        '#dns_records:read',
        '#dns_records:edit',
      ],
      plan: {
        id: '0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
        name: 'Free Website',
        price: 0,
        currency: 'USD',
        frequency: '',
        is_subscribed: false,
        can_subscribe: false,
        legacy_id: 'free',
        legacy_discount: false,
        externally_managed: false,
      },
    };
  }

  #renderRecord(r: DnsRecord) {
    const zone = this.zones.get(r.zoneId);
    return {
      id: r.id,
      zone_id: r.zoneId,
      zone_name: zone?.name ?? '',
      name: r.name,
      type: r.type,
      content: r.content,
      proxiable: PROXIABLE.has(r.type),
      proxied: r.proxied,
      ttl: r.ttl,
      locked: false,
      settings: {},
      meta: {
        auto_added: false,
        managed_by_apps: false,
        managed_by_argo_tunnel: false,
      },
      ...(r.comment !== null ? { comment: r.comment } : {}),
      tags: r.tags,
      created_on: iso(r.created),
      modified_on: iso(r.modified),
      ...(r.priority !== undefined ? { priority: r.priority } : {}),
      ...(r.data !== undefined ? { data: r.data } : {}),
    };
  }

  #renderCertificate(c: OriginCertificate) {
    return {
      id: c.id,
      certificate: c.certificate,
      csr: c.csr,
      hostnames: c.hostnames,
      request_type: c.request_type,
      requested_validity: c.requested_validity,
      expires_on: iso(c.expires),
    };
  }

  #fqdn(zone: Zone, name: string): string {
    const n = name.toLowerCase().replace(/\.$/, '');
    if (n === '@' || n === '') return zone.name;
    return n === zone.name || n.endsWith(`.${zone.name}`)
      ? n
      : `${n}.${zone.name}`;
  }

  #applyRecord(
    zone: Zone,
    r: DnsRecord,
    b: any,
    replacing: DnsRecord | undefined,
  ): void {
    if (b.type !== undefined) r.type = b.type;
    if (b.name !== undefined) r.name = this.#fqdn(zone, b.name);
    if (b.content !== undefined) r.content = String(b.content);
    if (b.ttl !== undefined) r.ttl = b.ttl;
    if (b.proxied !== undefined) r.proxied = b.proxied;
    if (b.comment !== undefined) r.comment = b.comment;
    if (b.tags !== undefined) r.tags = b.tags;
    if (b.priority !== undefined) r.priority = b.priority;
    if (b.data !== undefined) r.data = b.data;
    if (r.proxied && !PROXIABLE.has(r.type))
      throw new CfError(400, 9004, `This record type cannot be proxied.`);
    if (r.ttl !== 1 && (r.ttl < 30 || r.ttl > 86400))
      throw new CfError(
        400,
        9021,
        'Invalid TTL. Must be between 30 and 86400 seconds, or 1 for Automatic.',
      );
    if (r.type === 'A' && !/^(\d{1,3}\.){3}\d{1,3}$/.test(r.content))
      throw new CfError(
        400,
        9005,
        'Content for A record must be a valid IPv4 address.',
      );
    if (r.type === 'AAAA' && !r.content.includes(':'))
      throw new CfError(
        400,
        9005,
        'Content for AAAA record must be a valid IPv6 address.',
      );
    const others = [...this.records.values()].filter(
      o =>
        o.zoneId === zone.id &&
        o !== replacing &&
        o.id !== r.id &&
        o.name === r.name,
    );
    if (others.some(o => o.type === r.type && o.content === r.content))
      throw new CfError(400, 81058, 'An identical record already exists.');
    if (
      r.type === 'CNAME'
        ? others.some(o => PROXIABLE.has(o.type))
        : PROXIABLE.has(r.type) && others.some(o => o.type === 'CNAME')
    ) {
      throw new CfError(
        400,
        81053,
        'An A, AAAA, or CNAME record with that host already exists.',
      );
    }
  }

  #record(ctx: RequestContext): DnsRecord {
    const zone = this.#zone(ctx.params.zone_id);
    const r = this.records.get(ctx.params.dns_record_id ?? '');
    if (!r || r.zoneId !== zone.id)
      throw new CfError(404, 81044, 'Record does not exist.');
    return r;
  }

  #hostnameInAccount(hostname: string): boolean {
    const h = hostname.toLowerCase().replace(/^\*\./, '');
    return [...this.zones.values()].some(
      z => h === z.name || h.endsWith(`.${z.name}`),
    );
  }

  protected handlers(): Record<string, Handler> {
    if (this.#handlers) return this.#handlers;
    const handlers: Record<string, Handler> = {
      'zones-get': ctx => {
        const q = ctx.query;
        const status = q.get('status');
        const accountId = q.get('account.id');
        const accountName = q.get('account.name');
        const anyMatch = q.get('match') === 'any';
        let zones = [...this.zones.values()];
        const filters: ((z: Zone) => boolean)[] = [];
        const name = q.get('name');
        if (name !== null) {
          const [op, value] = name.includes(':')
            ? (name.split(/:(.*)/s) as [string, string])
            : ['equal', name];
          const v = value.toLowerCase();
          const test: Record<string, (n: string) => boolean> = {
            equal: n => n === v,
            not_equal: n => n !== v,
            starts_with: n => n.startsWith(v),
            ends_with: n => n.endsWith(v),
            contains: n => n.includes(v),
            starts_with_case_sensitive: n => n.startsWith(value),
            ends_with_case_sensitive: n => n.endsWith(value),
            contains_case_sensitive: n => n.includes(value),
          };
          const t = test[op] ?? ((n: string) => n === name.toLowerCase());
          filters.push(z => t(z.name));
        }
        if (status !== null) filters.push(() => status === 'active');
        if (accountId !== null)
          filters.push(() => accountId === this.accountId);
        if (accountName !== null) filters.push(() => accountName === 'Sandbox');
        if (filters.length)
          zones = zones.filter(z =>
            anyMatch ? filters.some(f => f(z)) : filters.every(f => f(z)),
          );
        const desc = q.get('direction') === 'desc';
        zones.sort((a, b) => a.name.localeCompare(b.name) * (desc ? -1 : 1));
        const page = this.#page(q, zones, 20);
        return this.#ok(
          page.items.map(z => this.#renderZone(z)),
          page.info,
        );
      },
      'zones-0-get': ctx =>
        this.#ok(this.#renderZone(this.#zone(ctx.params.zone_id))),

      'dns-records-for-a-zone-list-dns-records': ctx => {
        const zone = this.#zone(ctx.params.zone_id);
        const q = ctx.query;
        const anyMatch = q.get('match') === 'any';
        const type = q.get('type');
        const proxied = q.get('proxied');
        const search = q.get('search')?.toLowerCase();
        const tag = q.get('tag');
        const list = [...this.records.values()].filter(r => {
          if (r.zoneId !== zone.id) return false;
          const checks = [
            textFilter(r.name, q, 'name'),
            textFilter(r.content, q, 'content'),
            type === null ? undefined : r.type === type,
            proxied === null ? undefined : String(r.proxied) === proxied,
            search === undefined
              ? undefined
              : r.name.includes(search) ||
                r.content.toLowerCase().includes(search),
            tag === null
              ? undefined
              : r.tags.some(t => t === tag || t.split(':')[0] === tag),
          ].filter((c): c is boolean => c !== undefined);
          if (checks.length === 0) return true;
          return anyMatch ? checks.some(Boolean) : checks.every(Boolean);
        });
        const order = (q.get('order') ?? 'type') as
          | 'type'
          | 'name'
          | 'content'
          | 'ttl'
          | 'proxied';
        const dir = q.get('direction') === 'desc' ? -1 : 1;
        list.sort((a, b) => {
          const x = String(a[order]);
          const y = String(b[order]);
          return (
            (x.localeCompare(y, undefined, { numeric: true }) ||
              a.created - b.created ||
              a.id.localeCompare(b.id)) * dir
          );
        });
        const page = this.#page(q, list, 100);
        return this.#ok(
          page.items.map(r => this.#renderRecord(r)),
          page.info,
        );
      },
      'dns-records-for-a-zone-create-dns-record': ctx => {
        const zone = this.#zone(ctx.params.zone_id);
        const b = ctx.body ?? {};
        const now = this.clock.now();
        const r: DnsRecord = {
          id: hex(16),
          zoneId: zone.id,
          type: '',
          name: '',
          content: '',
          ttl: 1,
          proxied: false,
          comment: null,
          tags: [],
          created: now,
          modified: now,
        };
        this.#applyRecord(zone, r, b, undefined);
        this.records.set(r.id, r);
        return this.#ok(this.#renderRecord(r));
      },
      'dns-records-for-a-zone-dns-record-details': ctx =>
        this.#ok(this.#renderRecord(this.#record(ctx))),
      'dns-records-for-a-zone-patch-dns-record': ctx => {
        const r = this.#record(ctx);
        const zone = this.#zone(ctx.params.zone_id);
        const next = { ...r };
        this.#applyRecord(zone, next, ctx.body ?? {}, r);
        next.modified = this.clock.now();
        Object.assign(r, next);
        return this.#ok(this.#renderRecord(r));
      },
      'dns-records-for-a-zone-update-dns-record': ctx => {
        const r = this.#record(ctx);
        const zone = this.#zone(ctx.params.zone_id);
        const next: DnsRecord = {
          id: r.id,
          zoneId: r.zoneId,
          type: '',
          name: '',
          content: '',
          ttl: 1,
          proxied: false,
          comment: null,
          tags: [],
          created: r.created,
          modified: this.clock.now(),
        };
        this.#applyRecord(zone, next, ctx.body ?? {}, r);
        this.records.set(r.id, next);
        return this.#ok(this.#renderRecord(next));
      },
      'dns-records-for-a-zone-delete-dns-record': ctx => {
        const r = this.#record(ctx);
        this.records.delete(r.id);
        return this.#ok({ id: r.id });
      },

      'zone-settings-get-single-setting': ctx => {
        const zone = this.#zone(ctx.params.zone_id);
        const id = ctx.params.setting_id ?? '';
        const s = zone.settings[id];
        if (!s)
          throw new CfError(404, 1003, `Unrecognized zone setting name: ${id}`);
        return this.#ok({
          id,
          value: s.value,
          editable: true,
          modified_on: s.modified === null ? null : iso(s.modified),
        });
      },
      'zone-settings-edit-single-setting': ctx => {
        const zone = this.#zone(ctx.params.zone_id);
        const id = ctx.params.setting_id ?? '';
        const s = zone.settings[id];
        const known = SETTINGS[id];
        if (!s || !known)
          throw new CfError(404, 1003, `Unrecognized zone setting name: ${id}`);
        const value = ctx.body?.value;
        if (known.values && !known.values.includes(value)) {
          throw new CfError(
            400,
            1007,
            `Invalid value for zone setting ${id}: ${JSON.stringify(
              value,
            )} (allowed: ${known.values.join(', ')})`,
          );
        }
        s.value = value;
        s.modified = this.clock.now();
        return this.#ok({
          id,
          value: s.value,
          editable: true,
          modified_on: iso(s.modified),
        });
      },

      'origin-ca-list-certificates': ctx => {
        const zoneId = ctx.query.get('zone_id');
        const zone = zoneId ? this.#zone(zoneId) : undefined;
        const list = [...this.certificates.values()].filter(
          c =>
            !c.revoked &&
            (!zone ||
              c.hostnames.some(h => {
                const n = h.replace(/^\*\./, '');
                return n === zone.name || n.endsWith(`.${zone.name}`);
              })),
        );
        const page = this.#page(ctx.query, list, 20);
        return this.#ok(
          page.items.map(c => this.#renderCertificate(c)),
          page.info,
        );
      },
      'origin-ca-create-certificate': async ctx => {
        const b = ctx.body ?? {};
        if (
          typeof b.csr !== 'string' ||
          !/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(b.csr)
        )
          throw new CfError(
            400,
            1010,
            'Failed to parse CSR: expected a PEM-encoded certificate request',
          );
        const hostnames: string[] = Array.isArray(b.hostnames)
          ? b.hostnames.map(String)
          : [];
        if (hostnames.length === 0)
          throw new CfError(400, 1010, 'At least one hostname is required');
        const foreign = hostnames.filter(h => !this.#hostnameInAccount(h));
        if (foreign.length)
          throw new CfError(
            400,
            1010,
            `The hostname(s) ${foreign.join(
              ', ',
            )} do not belong to a zone of this account`,
          );
        const validity = b.requested_validity ?? 5475;
        const now = this.clock.now();
        const expires = now + validity * 24 * 3600 * 1000;
        let certificate: string;
        try {
          certificate = await this.#originCa.sign(
            b.csr,
            hostnames,
            new Date(now - 60_000),
            new Date(expires),
          );
        } catch (error) {
          throw new CfError(
            400,
            1010,
            `Failed to parse CSR: ${(error as Error).message}`,
          );
        }
        const cert: OriginCertificate = {
          id:
            String(randomInt(1e9, 9e9)) +
            String(randomInt(1e9, 9e9)) +
            String(randomInt(1e9, 9e9)),
          certificate,
          csr: b.csr,
          hostnames,
          request_type: b.request_type ?? 'origin-rsa',
          requested_validity: validity,
          expires,
        };
        this.certificates.set(cert.id, cert);
        return this.#ok(this.#renderCertificate(cert));
      },
      'origin-ca-get-certificate': ctx => {
        const c = this.certificates.get(ctx.params.certificate_id ?? '');
        if (!c) throw new CfError(404, 1005, 'Certificate not found');
        return this.#ok(this.#renderCertificate(c));
      },
      'origin-ca-revoke-certificate': ctx => {
        const c = this.certificates.get(ctx.params.certificate_id ?? '');
        if (!c || c.revoked)
          throw new CfError(404, 1005, 'Certificate not found');
        c.revoked = this.clock.now();
        return this.#ok({ id: c.id, revoked_at: iso(c.revoked) });
      },
    };
    const wrap =
      (h: Handler): Handler =>
      async ctx => {
        try {
          return await h(ctx);
        } catch (err) {
          if (err instanceof CfError)
            return this.errorReply(err.status, err.message, err.code);
          throw err;
        }
      };
    this.#handlers = Object.fromEntries(
      Object.entries(handlers).map(([k, h]) => [k, wrap(h)]),
    );
    return this.#handlers;
  }
}
