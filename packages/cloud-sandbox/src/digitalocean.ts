/**
 * DigitalOcean API emulator: DOKS clusters, node pools, clusterlint, VPCs, managed databases
 * (users, dbs, pools, firewall, resize, events), load balancers, domains, 1-click add-ons,
 * regions and sizes, with `links`/`meta` pagination, the `{id, message, request_id}` error
 * envelope and lifecycles on a clock.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { stringify as toYaml } from 'yaml';
import { iso } from './clock';
import { Emulator, type EmulatorOptions, type Handler, type Reply, type RequestContext } from './emulator';

export interface DigitalOceanTimings {
  /** provisioning -> running (default 6 minutes) */
  clusterMs?: number;
  /** a node pool added later: nodes provisioning -> running (default 3 minutes) */
  nodePoolMs?: number;
  /** creating -> online (default 5 minutes) */
  databaseMs?: number;
  /** upgrading -> running (default 4 minutes) */
  upgradeMs?: number;
  /** a database resize: resizing -> online (default 10 minutes) */
  resizeMs?: number;
  /** a deleted cluster shows `deleting` (and keeps its name) this long before it is gone (default 1 minute) */
  deleteMs?: number;
}

export interface DatabaseEndpoint {
  host?: string;
  port?: number;
  database?: string;
  ssl?: boolean;
}

export interface DigitalOceanOptions extends EmulatorOptions {
  timings?: DigitalOceanTimings;
  /** API server URL written into cluster `endpoint` and kubeconfigs (default https://<id>.k8s.ondigitalocean.com). */
  clusterEndpoint?: (cluster: { id: string; name: string; region: string }) => string;
  /** Where database `connection` points (default a DigitalOcean-like host on port 25060). */
  databaseEndpoint?: (db: { id: string; name: string; region: string }) => DatabaseEndpoint;
}

const REGIONS: Record<string, string> = {
  nyc1: 'New York 1', nyc3: 'New York 3', sfo3: 'San Francisco 3', ams3: 'Amsterdam 3', fra1: 'Frankfurt 1',
  lon1: 'London 1', sgp1: 'Singapore 1', tor1: 'Toronto 1', blr1: 'Bangalore 1', syd1: 'Sydney 1',
};
const K8S_VERSIONS = ['1.34.1-do.0', '1.33.5-do.0', '1.32.9-do.0'];
const REGION_FEATURES = ['private_networking', 'backups', 'ipv6', 'metadata', 'install_agent', 'storage', 'image_transfer'];
/** Droplet sizes at DigitalOcean's list prices (USD); `transfer` in TB, `disk` in GiB, `memory` in MiB. */
const DROPLET_SIZES = [
  { slug: 's-1vcpu-1gb', description: 'Basic', vcpus: 1, memory: 1024, disk: 25, transfer: 1, price_monthly: 6 },
  { slug: 's-1vcpu-2gb', description: 'Basic', vcpus: 1, memory: 2048, disk: 50, transfer: 2, price_monthly: 12 },
  { slug: 's-2vcpu-2gb', description: 'Basic', vcpus: 2, memory: 2048, disk: 60, transfer: 3, price_monthly: 18 },
  { slug: 's-2vcpu-4gb', description: 'Basic', vcpus: 2, memory: 4096, disk: 80, transfer: 4, price_monthly: 24 },
  { slug: 's-4vcpu-8gb', description: 'Basic', vcpus: 4, memory: 8192, disk: 160, transfer: 5, price_monthly: 48 },
  { slug: 'g-2vcpu-8gb', description: 'General Purpose', vcpus: 2, memory: 8192, disk: 25, transfer: 4, price_monthly: 63 },
  { slug: 'c-2', description: 'CPU-Optimized', vcpus: 2, memory: 4096, disk: 25, transfer: 4, price_monthly: 42 },
];
// DOKS refuses worker nodes with less than 2 GB of memory
const NODE_SIZES = DROPLET_SIZES.filter(s => s.memory >= 2048).map(s => s.slug);
const DB_SIZES = ['db-s-1vcpu-1gb', 'db-s-1vcpu-2gb', 'db-s-2vcpu-4gb', 'db-s-4vcpu-8gb'];
// standby nodes are not offered on the smallest size
const DB_LAYOUTS = [1, 2, 3].map(num_nodes => ({ num_nodes, sizes: num_nodes === 1 ? DB_SIZES : DB_SIZES.slice(1) }));
const DB_VERSIONS: Record<string, string[]> = { pg: ['15', '16', '17'], mysql: ['8'], valkey: ['8'], redis: ['7'], mongodb: ['7.0', '8.0'] };
const ONE_CLICKS = ['monitoring', 'kube-state-metrics', 'loki', 'ingress-nginx', 'cert-manager', 'metrics-server'];

interface Node {
  id: string;
  name: string;
  droplet_id: string;
  created: number;
}
interface NodePool {
  id: string;
  name: string;
  size: string;
  count: number;
  tags: string[];
  labels: Record<string, string> | null;
  taints: { key?: string; value?: string; effect?: string }[];
  auto_scale: boolean;
  min_nodes: number;
  max_nodes: number;
  nodes: Node[];
  readyAt: number;
}
interface Cluster {
  id: string;
  name: string;
  region: string;
  version: string;
  vpc_uuid: string;
  tags: string[];
  node_pools: NodePool[];
  maintenance_policy: { start_time: string; day: string };
  auto_upgrade: boolean;
  surge_upgrade: boolean;
  ha: boolean;
  created: number;
  updated: number;
  readyAt: number;
  upgradingUntil: number;
  broken?: { state: 'degraded' | 'error'; message: string };
  deletingSince?: number;
  ipv4: string;
  token: string;
  caData: string;
  lintRuns: LintRun[];
  /** what clusterlint would find in the cluster's workloads (set by tests) */
  lintFindings: LintFinding[];
}
export interface LintFinding {
  check_name: string;
  severity: 'error' | 'warning' | 'suggestion';
  message: string;
  object: { name: string; kind: string; namespace: string };
  /** clusterlint groups the check belongs to (default `doks`, the group a run without a body checks) */
  groups?: string[];
}
interface LintRun {
  id: string;
  requested: number;
  diagnostics: Omit<LintFinding, 'groups'>[];
}
interface LoadBalancer {
  id: string;
  name: string;
  ip: string;
  region: string;
  vpc_uuid: string;
  clusterId?: string;
  created: number;
}
interface Volume {
  id: string;
  name: string;
  clusterId?: string;
}
interface Vpc {
  id: string;
  name: string;
  description: string;
  region: string;
  ip_range: string;
  default: boolean;
  created: number;
}
interface DbUser {
  name: string;
  role: 'primary' | 'normal';
  password: string;
}
interface Pool {
  name: string;
  mode: string;
  size: number;
  db: string;
  user: string;
}
interface FirewallRule {
  uuid: string;
  type: string;
  value: string;
  description?: string;
  created: number;
}
interface DbEvent {
  id: string;
  cluster_name: string;
  event_type: 'cluster_create' | 'cluster_update';
  create_time: string;
}
interface Database {
  id: string;
  name: string;
  engine: string;
  version: string;
  num_nodes: number;
  size: string;
  region: string;
  private_network_uuid: string;
  tags: string[];
  created: number;
  readyAt: number;
  resizingUntil: number;
  events: DbEvent[];
  users: DbUser[];
  dbs: string[];
  pools: Pool[];
  rules: FirewallRule[];
  maintenance: { day: string; hour: string };
  storage_size_mib: number;
}
interface DomainRecord {
  id: number;
  type: string;
  name: string;
  data: string;
  priority: number | null;
  port: number | null;
  ttl: number;
  weight: number | null;
  flags: number | null;
  tag: string | null;
}
interface Domain {
  name: string;
  ttl: number;
  records: DomainRecord[];
}

const ERROR_IDS: Record<number, string> = {
  400: 'bad_request', 401: 'Unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 412: 'precondition_failed',
  422: 'unprocessable_entity', 429: 'too_many_requests', 500: 'server_error', 501: 'not_implemented', 503: 'service_unavailable',
};

const secret = (bytes = 16) => randomBytes(bytes).toString('hex');
const fakePem = (label: string) =>
  `-----BEGIN ${label}-----\n${(randomBytes(600).toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;

class NotFound extends Error {}

interface LintRequest {
  include_groups?: string[];
  include_checks?: string[];
  exclude_groups?: string[];
  exclude_checks?: string[];
}

/** The findings a run reports: checks chosen by name or group, the `doks` group when the request names none. */
function selectFindings(findings: LintFinding[], req: LintRequest = {}): LintRun['diagnostics'] {
  const includeGroups = req.include_groups ?? (req.include_checks ? [] : ['doks']);
  return findings
    .filter(f => {
      const groups = f.groups ?? ['doks'];
      const included = req.include_checks?.includes(f.check_name) || groups.some(g => includeGroups.includes(g));
      const excluded = req.exclude_checks?.includes(f.check_name) || groups.some(g => req.exclude_groups?.includes(g));
      return included && !excluded;
    })
    .map(({ groups: _groups, ...diagnostic }) => diagnostic);
}

export class DigitalOceanEmulator extends Emulator {
  readonly provider = 'digitalocean' as const;
  protected declare readonly options: DigitalOceanOptions;
  readonly accountUuid = randomUUID();
  readonly clusters = new Map<string, Cluster>();
  readonly databases = new Map<string, Database>();
  readonly vpcs = new Map<string, Vpc>();
  readonly loadBalancers = new Map<string, LoadBalancer>();
  readonly volumes = new Map<string, Volume>();
  readonly domains = new Map<string, Domain>();
  readonly installedAddons: { clusterId: string; slugs: string[] }[] = [];
  #secrets = new Set<string>();
  #recordIds = 1000;
  #handlers?: Record<string, Handler>;

  constructor(options: DigitalOceanOptions = {}) {
    super(options);
  }

  protected defaultToken(): string {
    return `dop_v1_sandbox${secret(24)}`;
  }

  get url(): string {
    return `${this.origin}/v2`;
  }

  /** Every secret value handed out so far (kubeconfig tokens, database passwords), e.g. to assert none is logged. */
  secrets(): string[] {
    return [...this.#secrets];
  }

  get #t(): Required<DigitalOceanTimings> {
    const t = this.options.timings ?? {};
    return {
      clusterMs: t.clusterMs ?? 6 * 60_000,
      nodePoolMs: t.nodePoolMs ?? 3 * 60_000,
      databaseMs: t.databaseMs ?? 5 * 60_000,
      upgradeMs: t.upgradeMs ?? 4 * 60_000,
      resizeMs: t.resizeMs ?? 10 * 60_000,
      deleteMs: t.deleteMs ?? 60_000,
    };
  }

  #secret(value: string): string {
    this.#secrets.add(value);
    return value;
  }

  // ── state helpers usable by tests (what other parts of DigitalOcean do on their own) ──

  /**
   * Adds a load balancer, as the cluster's cloud controller does for a Service of type
   * LoadBalancer; with a clusterId it is one of the cluster's associated resources.
   */
  addLoadBalancer(opts: { clusterId?: string; name?: string; region?: string } = {}): { id: string; name: string; ip: string } {
    const cluster = opts.clusterId ? this.clusters.get(opts.clusterId) : undefined;
    if (opts.clusterId && !cluster) throw new Error(`no cluster ${opts.clusterId}`);
    const id = randomUUID();
    const lb: LoadBalancer = {
      id,
      name: opts.name ?? `a${id.replace(/-/g, '').slice(0, 31)}`,
      ip: `198.51.100.${randomInt(2, 254)}`,
      region: opts.region ?? cluster?.region ?? 'nyc1',
      vpc_uuid: cluster?.vpc_uuid ?? this.#defaultVpc(opts.region ?? 'nyc1').id,
      clusterId: cluster?.id,
      created: this.clock.now(),
    };
    this.loadBalancers.set(id, lb);
    return { id, name: lb.name, ip: lb.ip };
  }

  /** Adds a block storage volume (as a PersistentVolumeClaim would) associated with a cluster. */
  addVolume(opts: { clusterId: string; name?: string }): { id: string; name: string } {
    if (!this.clusters.has(opts.clusterId)) throw new Error(`no cluster ${opts.clusterId}`);
    const id = randomUUID();
    const volume = { id, name: opts.name ?? `pvc-${randomUUID()}`, clusterId: opts.clusterId };
    this.volumes.set(id, volume);
    return { id, name: volume.name };
  }

  /**
   * Sets what clusterlint finds in a cluster's workloads from the next run on (the emulator runs
   * no workloads of its own, so a run finds nothing until a test says otherwise).
   */
  setLintFindings(clusterId: string, findings: LintFinding[]): void {
    const c = this.clusters.get(clusterId);
    if (!c) throw new Error(`no cluster ${clusterId}`);
    c.lintFindings = findings.map(f => ({ ...f }));
  }

  // ── rendering ──

  /**
   * Puts a cluster into `degraded` or `error` (what DigitalOcean reports when provisioning or a
   * node goes wrong), or back to normal with `undefined`.
   */
  breakCluster(id: string, failure: { state: 'degraded' | 'error'; message?: string } | undefined): void {
    const c = this.clusters.get(id);
    if (!c) throw new Error(`no cluster ${id}`);
    c.broken = failure ? { state: failure.state, message: failure.message ?? (failure.state === 'error' ? 'Cluster provisioning failed' : 'Cluster is degraded') } : undefined;
  }

  /** Clusters whose deletion has run its course disappear. */
  #purge(): void {
    const now = this.clock.now();
    for (const [id, c] of this.clusters) if (c.deletingSince !== undefined && now >= c.deletingSince + this.#t.deleteMs) this.clusters.delete(id);
  }

  /** Starts deleting a cluster: `deleting` for a while, then gone. */
  #deleteCluster(c: Cluster): void {
    c.deletingSince ??= this.clock.now();
    c.updated = this.clock.now();
    this.#purge();
  }

  #clusterState(c: Cluster): 'provisioning' | 'running' | 'upgrading' | 'degraded' | 'error' | 'deleting' {
    if (c.deletingSince !== undefined) return 'deleting';
    if (c.broken) return c.broken.state;
    const now = this.clock.now();
    if (now < c.readyAt) return 'provisioning';
    if (now < c.upgradingUntil) return 'upgrading';
    return 'running';
  }

  #endpoint(c: Cluster): string {
    return this.options.clusterEndpoint?.({ id: c.id, name: c.name, region: c.region }) ?? `https://${c.id}.k8s.ondigitalocean.com`;
  }

  #renderPool(c: Cluster, p: NodePool) {
    const ready = this.clock.now() >= Math.max(p.readyAt, c.readyAt);
    return {
      id: p.id,
      name: p.name,
      size: p.size,
      count: p.count,
      tags: [...p.tags, 'k8s', `k8s:${c.id}`, 'k8s:worker'],
      labels: p.labels,
      taints: p.taints,
      auto_scale: p.auto_scale,
      min_nodes: p.min_nodes,
      max_nodes: p.max_nodes,
      nodes: p.nodes.map(n => ({
        id: n.id,
        name: ready ? n.name : '',
        status: { state: ready ? 'running' : 'provisioning' },
        droplet_id: ready ? n.droplet_id : '',
        created_at: iso(n.created),
        updated_at: iso(ready ? Math.max(p.readyAt, c.readyAt) : n.created),
      })),
    };
  }

  #renderCluster(c: Cluster) {
    const state = this.#clusterState(c);
    const up = this.clock.now() >= c.readyAt;
    return {
      id: c.id,
      name: c.name,
      region: c.region,
      version: c.version,
      cluster_subnet: '10.244.0.0/16',
      service_subnet: '10.245.0.0/16',
      vpc_uuid: c.vpc_uuid,
      ipv4: up ? c.ipv4 : '',
      endpoint: up ? this.#endpoint(c) : '',
      tags: [...c.tags, 'k8s', `k8s:${c.id}`],
      node_pools: c.node_pools.map(p => this.#renderPool(c, p)),
      maintenance_policy: { ...c.maintenance_policy, duration: '4h0m0s' },
      auto_upgrade: c.auto_upgrade,
      status: { state, message: state === 'deleting' ? 'Deleting' : (c.broken?.message ?? (state === 'provisioning' ? 'Provisioning' : state === 'upgrading' ? 'Upgrading' : 'Ready')) },
      created_at: iso(c.created),
      updated_at: iso(Math.max(c.updated, up ? c.readyAt : c.created)),
      surge_upgrade: c.surge_upgrade,
      ha: c.ha,
      registry_enabled: false,
    };
  }

  #connection(d: Database, kind: 'public' | 'private', user: DbUser, database = 'defaultdb', port = 25060) {
    if (this.clock.now() < d.readyAt) return { uri: '', database: '', host: '', port: 0, user: '', password: '', ssl: true };
    const custom = this.options.databaseEndpoint?.({ id: d.id, name: d.name, region: d.region });
    const host = custom?.host ?? `${kind === 'private' ? 'private-' : ''}${d.name}-do-user-sandbox-0.db.ondigitalocean.com`;
    const p = custom?.port ?? port;
    const db = custom?.database ?? database;
    const ssl = custom?.ssl ?? true;
    const scheme = d.engine === 'pg' ? 'postgresql' : d.engine === 'mysql' ? 'mysql' : d.engine === 'mongodb' ? 'mongodb+srv' : 'rediss';
    return {
      uri: `${scheme}://${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@${host}:${p}/${db}${ssl ? '?sslmode=require' : ''}`,
      database: db,
      host,
      port: p,
      user: user.name,
      password: user.password,
      ssl,
    };
  }

  #databaseStatus(d: Database): 'creating' | 'resizing' | 'online' {
    const now = this.clock.now();
    if (now < d.readyAt) return 'creating';
    return now < d.resizingUntil ? 'resizing' : 'online';
  }

  #databaseEvent(d: Database, event_type: DbEvent['event_type']): void {
    d.events.push({ id: secret(4), cluster_name: d.name, event_type, create_time: iso(this.clock.now()) });
  }

  #renderDatabase(d: Database) {
    const admin = d.users.find(u => u.role === 'primary') ?? d.users[0]!;
    return {
      id: d.id,
      name: d.name,
      engine: d.engine,
      version: d.version,
      semantic_version: `${d.version}.${d.engine === 'pg' ? 6 : 0}`,
      num_nodes: d.num_nodes,
      size: d.size,
      region: d.region,
      status: this.#databaseStatus(d),
      created_at: iso(d.created),
      private_network_uuid: d.private_network_uuid,
      tags: d.tags,
      db_names: d.dbs,
      connection: this.#connection(d, 'public', admin),
      private_connection: this.#connection(d, 'private', admin),
      users: d.users.map(u => ({ name: u.name, role: u.role, password: u.password })),
      maintenance_window: { day: d.maintenance.day, hour: d.maintenance.hour, pending: false, description: [] },
      project_id: this.accountUuid,
      rules: d.rules.map(r => this.#renderRule(d, r)),
      storage_size_mib: d.storage_size_mib,
    };
  }

  #renderRule(d: Database, r: FirewallRule) {
    return { uuid: r.uuid, cluster_uuid: d.id, type: r.type, value: r.value, created_at: iso(r.created), ...(r.description ? { description: r.description } : {}) };
  }

  #renderPoolDb(d: Database, p: Pool) {
    const user = d.users.find(u => u.name === p.user) ?? d.users[0]!;
    return { name: p.name, mode: p.mode, size: p.size, db: p.db, user: p.user, connection: this.#connection(d, 'public', user, p.name, 25061), private_connection: this.#connection(d, 'private', user, p.name, 25061) };
  }

  #renderVpc(v: Vpc) {
    return { id: v.id, urn: `do:vpc:${v.id}`, name: v.name, description: v.description, region: v.region, ip_range: v.ip_range, default: v.default, created_at: iso(v.created) };
  }

  #renderLb(lb: LoadBalancer) {
    return {
      id: lb.id,
      name: lb.name,
      ip: lb.ip,
      ipv6: '',
      size_unit: 1,
      size: 'lb-small',
      algorithm: 'round_robin',
      status: 'active',
      created_at: iso(lb.created),
      forwarding_rules: [{ entry_protocol: 'http', entry_port: 80, target_protocol: 'http', target_port: 30080, certificate_id: '', tls_passthrough: false }],
      health_check: { protocol: 'tcp', port: 30080, path: '', check_interval_seconds: 3, response_timeout_seconds: 5, healthy_threshold: 5, unhealthy_threshold: 3 },
      sticky_sessions: { type: 'none' },
      redirect_http_to_https: false,
      enable_proxy_protocol: false,
      enable_backend_keepalive: false,
      http_idle_timeout_seconds: 60,
      vpc_uuid: lb.vpc_uuid,
      project_id: this.accountUuid,
      disable_lets_encrypt_dns_records: false,
      network: 'EXTERNAL',
      network_stack: 'IPV4',
      type: 'REGIONAL',
      tls_cipher_policy: 'DEFAULT',
      region: this.#renderRegion(lb.region),
      droplet_ids: [],
      tag: lb.clusterId ? `k8s:${lb.clusterId}` : '',
    };
  }

  #renderRegion(slug: string) {
    return { name: REGIONS[slug] ?? slug, slug, features: REGION_FEATURES, available: true, sizes: DROPLET_SIZES.map(s => s.slug) };
  }

  #renderSize(s: (typeof DROPLET_SIZES)[number]) {
    return {
      ...s,
      // DigitalOcean bills by the hour up to 672 hours (4 weeks) a month
      price_hourly: Math.round((s.price_monthly / 672) * 100_000) / 100_000,
      regions: Object.keys(REGIONS),
      available: true,
      disk_info: [{ type: 'local', size: { amount: s.disk, unit: 'gib' } }],
    };
  }

  #renderLintRun(run: LintRun) {
    // a run over the emulator's few findings completes at once
    return { run_id: run.id, requested_at: iso(run.requested), completed_at: iso(run.requested), diagnostics: run.diagnostics };
  }

  #renderKubeconfig(c: Cluster): string {
    const name = `do-${c.region}-${c.name}`;
    return toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ cluster: { 'certificate-authority-data': c.caData, server: this.#endpoint(c) }, name }],
      contexts: [{ context: { cluster: name, user: `${name}-admin` }, name }],
      'current-context': name,
      preferences: {},
      users: [{ name: `${name}-admin`, user: { token: c.token } }],
    });
  }

  // ── helpers ──

  protected errorReply(status: number, message: string, code?: string | number): Reply {
    return { status, body: { id: code !== undefined ? String(code) : (ERROR_IDS[status] ?? 'error'), message, request_id: randomUUID() } };
  }

  protected authorized(req: IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.token}`;
  }

  protected commonHeaders(): Record<string, string> {
    return { 'ratelimit-limit': '5000', 'ratelimit-remaining': '4999', 'ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60) };
  }

  protected override faultReply(fault: Parameters<Emulator['faultReply']>[0]): Reply {
    const reply = super.faultReply(fault);
    if (fault.retryAfter !== undefined) {
      reply.headers = { ...reply.headers, 'ratelimit-remaining': '0', 'ratelimit-reset': String(Math.floor(Date.now() / 1000) + fault.retryAfter) };
    }
    return reply;
  }

  #paginate<T>(ctx: RequestContext, items: T[]): { items: T[]; links: Record<string, unknown>; meta: { total: number } } {
    const perPage = Math.min(Number(ctx.query.get('per_page') ?? 20) || 20, 200);
    const page = Math.max(Number(ctx.query.get('page') ?? 1) || 1, 1);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const link = (n: number) => {
      const u = new URL(ctx.url.href);
      u.searchParams.set('page', String(n));
      u.searchParams.set('per_page', String(perPage));
      return u.href;
    };
    const pages: Record<string, string> = {};
    if (page > 1) Object.assign(pages, { first: link(1), prev: link(Math.min(page - 1, last)) });
    if (page < last) Object.assign(pages, { next: link(page + 1), last: link(last) });
    return { items: items.slice((page - 1) * perPage, page * perPage), links: Object.keys(pages).length ? { pages } : {}, meta: { total: items.length } };
  }

  #cluster(id: string | undefined): Cluster {
    const c = id ? this.clusters.get(id) : undefined;
    if (!c) throw new NotFound();
    return c;
  }

  #database(id: string | undefined): Database {
    const d = id ? this.databases.get(id) : undefined;
    if (!d) throw new NotFound();
    return d;
  }

  #defaultVpc(region: string): Vpc {
    for (const v of this.vpcs.values()) if (v.region === region && v.default) return v;
    const v: Vpc = { id: randomUUID(), name: `default-${region}`, description: '', region, ip_range: `10.${100 + this.vpcs.size}.0.0/20`, default: true, created: this.clock.now() };
    this.vpcs.set(v.id, v);
    return v;
  }

  #newPool(spec: any, readyAt: number): NodePool {
    const count = Number(spec.count ?? 1);
    const pool: NodePool = {
      id: randomUUID(),
      name: String(spec.name),
      size: String(spec.size),
      count,
      tags: (spec.tags ?? []).filter((t: string) => !t.startsWith('k8s')),
      labels: spec.labels ?? null,
      taints: spec.taints ?? [],
      auto_scale: Boolean(spec.auto_scale),
      min_nodes: Number(spec.min_nodes ?? (spec.auto_scale ? 1 : 0)),
      max_nodes: Number(spec.max_nodes ?? (spec.auto_scale ? count : 0)),
      nodes: [],
      readyAt,
    };
    this.#resizePool(pool, count);
    return pool;
  }

  #resizePool(pool: NodePool, count: number): void {
    while (pool.nodes.length < count) {
      pool.nodes.push({ id: randomUUID(), name: `${pool.name}-${secret(3).slice(0, 5)}`, droplet_id: String(randomInt(100_000_000, 999_999_999)), created: this.clock.now() });
    }
    pool.nodes.length = count;
    pool.count = count;
  }

  #validatePoolSpec(spec: any): string | undefined {
    if (!NODE_SIZES.includes(spec.size)) return `invalid size: ${spec.size}`;
    if (!(Number(spec.count) >= 1) && !spec.auto_scale) return 'node pool count must be at least 1';
    return undefined;
  }

  #resolveVersion(v: string): string | undefined {
    if (v === 'latest') return K8S_VERSIONS[0];
    return K8S_VERSIONS.find(s => s === v || s.startsWith(`${v}-`) || s.startsWith(`${v}.`));
  }

  #needOnline(d: Database): Reply | undefined {
    return this.clock.now() < d.readyAt ? this.errorReply(412, 'the database cluster is not online yet') : undefined;
  }

  // ── handlers ──

  protected handlers(): Record<string, Handler> {
    if (this.#handlers) return this.#handlers;
    const ok = (status: number, body?: unknown): Reply => ({ status, body });
    const wrap = (h: Handler): Handler => async ctx => {
      this.#purge();
      try {
        return await h(ctx);
      } catch (err) {
        if (err instanceof NotFound) return this.errorReply(404, 'The resource you were accessing could not be found.');
        throw err;
      }
    };
    const handlers: Record<string, Handler> = {
      account_get: () =>
        ok(200, { account: { droplet_limit: 25, floating_ip_limit: 3, email: 'sandbox@example.com', name: 'Sandbox', uuid: this.accountUuid, email_verified: true, status: 'active', status_message: '', team: { uuid: this.accountUuid, name: 'Sandbox team' } } }),

      // ── Kubernetes ──
      kubernetes_list_options: () =>
        ok(200, {
          options: {
            regions: Object.entries(REGIONS).map(([slug, name]) => ({ name, slug })),
            versions: K8S_VERSIONS.map(slug => ({ slug, kubernetes_version: slug.split('-')[0], supported_features: ['cluster-autoscaler', 'docr-integration', 'ha-control-plane', 'token-authentication'] })),
            sizes: NODE_SIZES.map(s => ({ name: s, slug: s })),
          },
        }),
      kubernetes_list_clusters: ctx => {
        const page = this.#paginate(ctx, [...this.clusters.values()]);
        return ok(200, { kubernetes_clusters: page.items.map(c => this.#renderCluster(c)), links: page.links, meta: page.meta });
      },
      kubernetes_create_cluster: ctx => {
        const b = ctx.body;
        if ([...this.clusters.values()].some(c => c.name === b.name)) return this.errorReply(422, `a cluster with the name "${b.name}" already exists`);
        if (!REGIONS[b.region]) return this.errorReply(422, `validation error: invalid region "${b.region}"`);
        const version = this.#resolveVersion(b.version);
        if (!version) return this.errorReply(422, `validation error: invalid version "${b.version}"`);
        if (!Array.isArray(b.node_pools) || b.node_pools.length === 0) return this.errorReply(422, 'validation error: a cluster needs at least one node pool');
        for (const p of b.node_pools) {
          const problem = this.#validatePoolSpec(p);
          if (problem) return this.errorReply(422, `validation error: ${problem}`);
        }
        let vpc: Vpc;
        if (b.vpc_uuid) {
          const found = this.vpcs.get(b.vpc_uuid);
          if (!found || found.region !== b.region) return this.errorReply(422, `validation error: VPC ${b.vpc_uuid} not found in region ${b.region}`);
          vpc = found;
        } else vpc = this.#defaultVpc(b.region);
        const now = this.clock.now();
        const readyAt = now + this.#t.clusterMs;
        const c: Cluster = {
          id: randomUUID(),
          name: b.name,
          region: b.region,
          version,
          vpc_uuid: vpc.id,
          tags: (b.tags ?? []).filter((t: string) => !t.startsWith('k8s')),
          node_pools: [],
          maintenance_policy: { start_time: b.maintenance_policy?.start_time ?? '00:00', day: b.maintenance_policy?.day ?? 'any' },
          auto_upgrade: Boolean(b.auto_upgrade),
          surge_upgrade: Boolean(b.surge_upgrade),
          ha: Boolean(b.ha),
          created: now,
          updated: now,
          readyAt,
          upgradingUntil: 0,
          ipv4: `203.0.113.${randomInt(2, 254)}`,
          token: this.#secret(`dok8s_${secret(32)}`),
          caData: Buffer.from(fakePem('CERTIFICATE')).toString('base64'),
          lintRuns: [],
          lintFindings: [],
        };
        c.node_pools = b.node_pools.map((p: unknown) => this.#newPool(p, readyAt));
        this.clusters.set(c.id, c);
        return ok(201, { kubernetes_cluster: this.#renderCluster(c) });
      },
      kubernetes_get_cluster: ctx => ok(200, { kubernetes_cluster: this.#renderCluster(this.#cluster(ctx.params.cluster_id)) }),
      kubernetes_update_cluster: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        const b = ctx.body;
        if (b.name !== c.name && [...this.clusters.values()].some(o => o.name === b.name)) return this.errorReply(422, `a cluster with the name "${b.name}" already exists`);
        c.name = b.name;
        if (b.tags) c.tags = b.tags.filter((t: string) => !t.startsWith('k8s'));
        if (b.maintenance_policy) c.maintenance_policy = { ...c.maintenance_policy, ...b.maintenance_policy };
        if (b.auto_upgrade !== undefined) c.auto_upgrade = b.auto_upgrade;
        if (b.surge_upgrade !== undefined) c.surge_upgrade = b.surge_upgrade;
        if (b.ha !== undefined) c.ha = b.ha;
        c.updated = this.clock.now();
        return ok(202, { kubernetes_cluster: this.#renderCluster(c) });
      },
      kubernetes_delete_cluster: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        this.#deleteCluster(c);
        // load balancers and volumes stay behind (billable), as on DigitalOcean
        for (const lb of this.loadBalancers.values()) if (lb.clusterId === c.id) lb.clusterId = undefined;
        for (const v of this.volumes.values()) if (v.clusterId === c.id) v.clusterId = undefined;
        return { status: 204 };
      },
      kubernetes_list_associatedResources: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        return ok(200, {
          load_balancers: [...this.loadBalancers.values()].filter(lb => lb.clusterId === c.id).map(lb => ({ id: lb.id, name: lb.name })),
          volumes: [...this.volumes.values()].filter(v => v.clusterId === c.id).map(v => ({ id: v.id, name: v.name })),
          volume_snapshots: [],
        });
      },
      kubernetes_destroy_associatedResourcesDangerous: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        for (const [id, lb] of this.loadBalancers) if (lb.clusterId === c.id) this.loadBalancers.delete(id);
        for (const [id, v] of this.volumes) if (v.clusterId === c.id) this.volumes.delete(id);
        this.#deleteCluster(c);
        return { status: 204 };
      },
      kubernetes_destroy_associatedResourcesSelective: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        const b = ctx.body ?? {};
        for (const id of b.load_balancers ?? []) if (this.loadBalancers.get(id)?.clusterId === c.id) this.loadBalancers.delete(id);
        for (const id of b.volumes ?? []) if (this.volumes.get(id)?.clusterId === c.id) this.volumes.delete(id);
        for (const lb of this.loadBalancers.values()) if (lb.clusterId === c.id) lb.clusterId = undefined;
        for (const v of this.volumes.values()) if (v.clusterId === c.id) v.clusterId = undefined;
        this.#deleteCluster(c);
        return { status: 204 };
      },
      kubernetes_get_kubeconfig: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        if (this.clock.now() < c.readyAt) return this.errorReply(404, 'the kubeconfig is not available until the cluster is running');
        return { status: 200, text: this.#renderKubeconfig(c), contentType: 'application/yaml' };
      },
      kubernetes_get_credentials: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        if (this.clock.now() < c.readyAt) return this.errorReply(404, 'credentials are not available until the cluster is running');
        const expiry = Number(ctx.query.get('expiry_seconds') ?? 0) || 7 * 24 * 3600;
        return ok(200, { server: this.#endpoint(c), certificate_authority_data: c.caData, client_certificate_data: null, client_key_data: null, token: c.token, expires_at: iso(this.clock.now() + expiry * 1000) });
      },
      kubernetes_get_availableUpgrades: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        const newer = K8S_VERSIONS.filter(v => v.localeCompare(c.version, undefined, { numeric: true }) > 0);
        return ok(200, { available_upgrade_versions: newer.map(slug => ({ slug, kubernetes_version: slug.split('-')[0], supported_features: [] })) });
      },
      kubernetes_upgrade_cluster: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        const version = this.#resolveVersion(ctx.body?.version ?? '');
        if (!version || version.localeCompare(c.version, undefined, { numeric: true }) <= 0) return this.errorReply(422, `validation error: cannot upgrade to "${ctx.body?.version}"`);
        if (this.#clusterState(c) !== 'running') return this.errorReply(422, 'the cluster is not running');
        c.version = version;
        c.upgradingUntil = this.clock.now() + this.#t.upgradeMs;
        c.updated = this.clock.now();
        return { status: 202 };
      },
      kubernetes_run_clusterLint: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        // clusterlint reads the workloads through the cluster's API server
        if (this.clock.now() < c.readyAt || c.deletingSince !== undefined) return this.errorReply(422, 'clusterlint needs a running cluster');
        const run: LintRun = { id: randomUUID(), requested: this.clock.now(), diagnostics: selectFindings(c.lintFindings, ctx.body) };
        c.lintRuns.push(run);
        return ok(202, { run_id: run.id });
      },
      kubernetes_get_clusterLintResults: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        const runId = ctx.query.get('run_id');
        const run = runId ? c.lintRuns.find(r => r.id === runId) : c.lintRuns.at(-1);
        if (!run) throw new NotFound();
        return ok(200, this.#renderLintRun(run));
      },
      kubernetes_list_nodePools: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        return ok(200, { node_pools: c.node_pools.map(p => this.#renderPool(c, p)) });
      },
      kubernetes_add_nodePool: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        const problem = this.#validatePoolSpec(ctx.body);
        if (problem) return this.errorReply(422, `validation error: ${problem}`);
        if (c.node_pools.some(p => p.name === ctx.body.name)) return this.errorReply(422, `a node pool named "${ctx.body.name}" already exists in this cluster`);
        const pool = this.#newPool(ctx.body, Math.max(c.readyAt, this.clock.now() + this.#t.nodePoolMs));
        c.node_pools.push(pool);
        return ok(201, { node_pool: this.#renderPool(c, pool) });
      },
      kubernetes_get_nodePool: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        const p = c.node_pools.find(x => x.id === ctx.params.node_pool_id);
        if (!p) throw new NotFound();
        return ok(200, { node_pool: this.#renderPool(c, p) });
      },
      kubernetes_update_nodePool: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        const p = c.node_pools.find(x => x.id === ctx.params.node_pool_id);
        if (!p) throw new NotFound();
        const b = ctx.body;
        p.name = b.name;
        if (b.tags) p.tags = b.tags.filter((t: string) => !t.startsWith('k8s'));
        if (b.labels !== undefined) p.labels = b.labels;
        if (b.taints) p.taints = b.taints;
        if (b.auto_scale !== undefined) p.auto_scale = b.auto_scale;
        if (b.min_nodes !== undefined) p.min_nodes = b.min_nodes;
        if (b.max_nodes !== undefined) p.max_nodes = b.max_nodes;
        if (b.count !== p.count) {
          const before = p.nodes.length;
          this.#resizePool(p, b.count);
          if (b.count > before) p.readyAt = Math.max(c.readyAt, this.clock.now() + this.#t.nodePoolMs);
        }
        return ok(202, { node_pool: this.#renderPool(c, p) });
      },
      kubernetes_delete_nodePool: ctx => {
        const c = this.#cluster(ctx.params.cluster_id);
        const index = c.node_pools.findIndex(x => x.id === ctx.params.node_pool_id);
        if (index < 0) throw new NotFound();
        c.node_pools.splice(index, 1);
        return { status: 204 };
      },

      // ── 1-clicks ──
      oneClicks_list: ctx => {
        const type = ctx.query.get('type');
        const all = [...ONE_CLICKS.map(slug => ({ slug, type: 'kubernetes' })), { slug: 'docker-20-04', type: 'droplet' }];
        return ok(200, { '1_clicks': type ? all.filter(o => o.type === type) : all });
      },
      oneClicks_install_kubernetes: ctx => {
        const c = this.#cluster(ctx.body.cluster_uuid);
        const unknown = ctx.body.addon_slugs.filter((s: string) => !ONE_CLICKS.includes(s));
        if (unknown.length) return this.errorReply(422, `unknown 1-click application(s): ${unknown.join(', ')}`);
        this.installedAddons.push({ clusterId: c.id, slugs: [...ctx.body.addon_slugs] });
        return ok(200, { message: 'Successfully kicked off addon job.' });
      },

      // ── regions and sizes ──
      regions_list: ctx => {
        const page = this.#paginate(ctx, Object.keys(REGIONS));
        return ok(200, { regions: page.items.map(slug => this.#renderRegion(slug)), links: page.links, meta: page.meta });
      },
      sizes_list: ctx => {
        const page = this.#paginate(ctx, DROPLET_SIZES);
        return ok(200, { sizes: page.items.map(s => this.#renderSize(s)), links: page.links, meta: page.meta });
      },

      // ── load balancers ──
      loadBalancers_list: ctx => {
        const page = this.#paginate(ctx, [...this.loadBalancers.values()]);
        return ok(200, { load_balancers: page.items.map(lb => this.#renderLb(lb)), links: page.links, meta: page.meta });
      },
      loadBalancers_get: ctx => {
        const lb = this.loadBalancers.get(ctx.params.lb_id ?? '');
        if (!lb) throw new NotFound();
        return ok(200, { load_balancer: this.#renderLb(lb) });
      },

      // ── VPCs ──
      vpcs_list: ctx => {
        const page = this.#paginate(ctx, [...this.vpcs.values()]);
        return ok(200, { vpcs: page.items.map(v => this.#renderVpc(v)), links: page.links, meta: page.meta });
      },
      vpcs_create: ctx => {
        const b = ctx.body;
        if ([...this.vpcs.values()].some(v => v.name === b.name)) return this.errorReply(422, `a VPC with the name "${b.name}" already exists`);
        if (!REGIONS[b.region]) return this.errorReply(422, `invalid region "${b.region}"`);
        const v: Vpc = { id: randomUUID(), name: b.name, description: b.description ?? '', region: b.region, ip_range: b.ip_range ?? `10.${110 + this.vpcs.size}.0.0/20`, default: false, created: this.clock.now() };
        this.vpcs.set(v.id, v);
        return ok(201, { vpc: this.#renderVpc(v) });
      },
      vpcs_get: ctx => {
        const v = this.vpcs.get(ctx.params.vpc_id ?? '');
        if (!v) throw new NotFound();
        return ok(200, { vpc: this.#renderVpc(v) });
      },
      vpcs_update: ctx => {
        const v = this.vpcs.get(ctx.params.vpc_id ?? '');
        if (!v) throw new NotFound();
        const b = ctx.body;
        if (b.name !== v.name && [...this.vpcs.values()].some(o => o.name === b.name)) return this.errorReply(422, `a VPC with the name "${b.name}" already exists`);
        v.name = b.name;
        if (b.description !== undefined) v.description = b.description;
        if (b.default === true && !v.default) {
          for (const o of this.vpcs.values()) if (o.region === v.region) o.default = false;
          v.default = true;
        }
        return ok(200, { vpc: this.#renderVpc(v) });
      },
      vpcs_delete: ctx => {
        const v = this.vpcs.get(ctx.params.vpc_id ?? '');
        if (!v) throw new NotFound();
        if (v.default) return this.errorReply(403, 'The default VPC network of a region cannot be deleted.');
        const used = [...this.clusters.values()].some(c => c.vpc_uuid === v.id) || [...this.databases.values()].some(d => d.private_network_uuid === v.id) || [...this.loadBalancers.values()].some(lb => lb.vpc_uuid === v.id);
        if (used) return this.errorReply(403, 'Can not delete VPC with members');
        this.vpcs.delete(v.id);
        return { status: 204 };
      },

      // ── managed databases ──
      databases_list_options: () =>
        ok(200, {
          options: Object.fromEntries(
            Object.entries(DB_VERSIONS).map(([engine, versions]) => [engine, { regions: Object.keys(REGIONS), versions, layouts: DB_LAYOUTS }]),
          ),
          version_availability: Object.fromEntries(
            Object.entries(DB_VERSIONS).map(([engine, versions]) => [engine, versions.map(version => ({ version, end_of_life: null, end_of_availability: null }))]),
          ),
        }),
      databases_list_clusters: ctx => {
        const tag = ctx.query.get('tag_name');
        const all = [...this.databases.values()].filter(d => !tag || d.tags.includes(tag));
        return ok(200, { databases: all.map(d => this.#renderDatabase(d)) });
      },
      databases_create_cluster: ctx => {
        const b = ctx.body;
        if ([...this.databases.values()].some(d => d.name === b.name)) return this.errorReply(422, `cluster name "${b.name}" is not available`);
        const versions = DB_VERSIONS[b.engine];
        if (!versions) return this.errorReply(422, `engine "${b.engine}" is not available`);
        const version = b.version ?? versions[versions.length - 1]!;
        if (!versions.includes(version)) return this.errorReply(422, `version "${version}" of ${b.engine} is not available`);
        if (!REGIONS[b.region]) return this.errorReply(422, `invalid region "${b.region}"`);
        if (!DB_SIZES.includes(b.size)) return this.errorReply(422, `invalid size "${b.size}"`);
        if (!(b.num_nodes >= 1 && b.num_nodes <= 3)) return this.errorReply(422, 'num_nodes must be between 1 and 3');
        let vpcId: string;
        if (b.private_network_uuid) {
          const v = this.vpcs.get(b.private_network_uuid);
          if (!v || v.region !== b.region) return this.errorReply(422, `VPC ${b.private_network_uuid} not found in region ${b.region}`);
          vpcId = v.id;
        } else vpcId = this.#defaultVpc(b.region).id;
        const now = this.clock.now();
        const admin = 'doadmin';
        const d: Database = {
          id: randomUUID(),
          name: b.name,
          engine: b.engine,
          version,
          num_nodes: b.num_nodes,
          size: b.size,
          region: b.region,
          private_network_uuid: vpcId,
          tags: b.tags ?? [],
          created: now,
          readyAt: now + this.#t.databaseMs,
          resizingUntil: 0,
          events: [],
          users: [{ name: admin, role: 'primary', password: this.#secret(`AVNS_${secret(12)}`) }],
          dbs: ['defaultdb', ...(b.db_names ?? [])],
          pools: [],
          rules: (b.rules ?? []).map((r: any) => ({ uuid: randomUUID(), type: r.type, value: r.value, description: r.description, created: now })),
          maintenance: { day: 'sunday', hour: '03:00:00' },
          storage_size_mib: b.storage_size_mib ?? 10240,
        };
        this.#databaseEvent(d, 'cluster_create');
        this.databases.set(d.id, d);
        return ok(201, { database: this.#renderDatabase(d) });
      },
      databases_get_cluster: ctx => ok(200, { database: this.#renderDatabase(this.#database(ctx.params.database_cluster_uuid)) }),
      databases_destroy_cluster: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        this.databases.delete(d.id);
        return { status: 204 };
      },
      databases_get_ca: ctx => {
        this.#database(ctx.params.database_cluster_uuid);
        return ok(200, { ca: { certificate: Buffer.from(fakePem('CERTIFICATE')).toString('base64') } });
      },
      databases_update_clusterSize: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        const status = this.#databaseStatus(d);
        if (status !== 'online') return this.errorReply(412, `the database cluster is ${status}, not online`);
        const b = ctx.body;
        const layout = DB_LAYOUTS.find(l => l.num_nodes === b.num_nodes);
        if (!layout) return this.errorReply(422, 'num_nodes must be between 1 and 3');
        if (!layout.sizes.includes(b.size)) return this.errorReply(422, `size "${b.size}" is not offered with ${b.num_nodes} node(s)`);
        if (b.storage_size_mib !== undefined && b.storage_size_mib < d.storage_size_mib) return this.errorReply(422, 'storage can grow but not shrink');
        d.size = b.size;
        d.num_nodes = b.num_nodes;
        d.storage_size_mib = b.storage_size_mib ?? d.storage_size_mib;
        d.resizingUntil = this.clock.now() + this.#t.resizeMs;
        this.#databaseEvent(d, 'cluster_update');
        return { status: 202 };
      },
      databases_list_events_logs: ctx => ok(200, { events: this.#database(ctx.params.database_cluster_uuid).events.map(e => ({ ...e })) }),
      databases_list_firewall_rules: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        return ok(200, { rules: d.rules.map(r => this.#renderRule(d, r)) });
      },
      databases_update_firewall_rules: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        const rules: any[] = ctx.body.rules ?? [];
        for (const r of rules) {
          if (r.type === 'k8s' && !this.clusters.has(r.value)) return this.errorReply(422, `firewall rule: no Kubernetes cluster ${r.value}`);
        }
        d.rules = rules.map(r => ({ uuid: r.uuid || randomUUID(), type: r.type, value: r.value, description: r.description, created: this.clock.now() }));
        return { status: 204 };
      },
      databases_update_maintenanceWindow: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        d.maintenance = { day: ctx.body.day ?? d.maintenance.day, hour: ctx.body.hour ?? d.maintenance.hour };
        return { status: 204 };
      },
      databases_list_backups: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        const online = this.clock.now() >= d.readyAt;
        return ok(200, { backups: online ? [{ created_at: iso(d.readyAt), size_gigabytes: 0.03 }] : [] });
      },
      databases_list_users: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        return ok(200, { users: d.users.map(u => ({ ...u })) });
      },
      databases_add_user: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        const notReady = this.#needOnline(d);
        if (notReady) return notReady;
        if (d.users.some(u => u.name === ctx.body.name)) return this.errorReply(422, `user "${ctx.body.name}" already exists`);
        const user: DbUser = { name: ctx.body.name, role: 'normal', password: this.#secret(`AVNS_${secret(12)}`) };
        d.users.push(user);
        return ok(201, { user: { ...user } });
      },
      databases_get_user: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        const u = d.users.find(x => x.name === ctx.params.username);
        if (!u) throw new NotFound();
        return ok(200, { user: { ...u } });
      },
      databases_delete_user: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        const u = d.users.find(x => x.name === ctx.params.username);
        if (!u) throw new NotFound();
        if (u.role === 'primary') return this.errorReply(422, 'the primary user cannot be deleted');
        d.users = d.users.filter(x => x !== u);
        return { status: 204 };
      },
      databases_list: ctx => ok(200, { dbs: this.#database(ctx.params.database_cluster_uuid).dbs.map(name => ({ name })) }),
      databases_add: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        const notReady = this.#needOnline(d);
        if (notReady) return notReady;
        if (d.dbs.includes(ctx.body.name)) return this.errorReply(422, `database "${ctx.body.name}" already exists`);
        d.dbs.push(ctx.body.name);
        return ok(201, { db: { name: ctx.body.name } });
      },
      databases_get: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        if (!d.dbs.includes(ctx.params.database_name ?? '')) throw new NotFound();
        return ok(200, { db: { name: ctx.params.database_name } });
      },
      databases_delete: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        if (!d.dbs.includes(ctx.params.database_name ?? '')) throw new NotFound();
        d.dbs = d.dbs.filter(n => n !== ctx.params.database_name);
        return { status: 204 };
      },
      databases_list_connectionPools: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        return ok(200, { pools: d.pools.map(p => this.#renderPoolDb(d, p)) });
      },
      databases_add_connectionPool: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        const notReady = this.#needOnline(d);
        if (notReady) return notReady;
        const b = ctx.body;
        if (d.pools.some(p => p.name === b.name)) return this.errorReply(422, `pool "${b.name}" already exists`);
        if (!d.dbs.includes(b.db)) return this.errorReply(422, `database "${b.db}" does not exist`);
        const user = b.user ?? d.users[0]!.name;
        if (!d.users.some(u => u.name === user)) return this.errorReply(422, `user "${user}" does not exist`);
        if (!['transaction', 'session', 'statement'].includes(b.mode)) return this.errorReply(422, `invalid pool mode "${b.mode}"`);
        const pool: Pool = { name: b.name, mode: b.mode, size: b.size, db: b.db, user };
        d.pools.push(pool);
        return ok(201, { pool: this.#renderPoolDb(d, pool) });
      },
      databases_get_connectionPool: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        const p = d.pools.find(x => x.name === ctx.params.pool_name);
        if (!p) throw new NotFound();
        return ok(200, { pool: this.#renderPoolDb(d, p) });
      },
      databases_delete_connectionPool: ctx => {
        const d = this.#database(ctx.params.database_cluster_uuid);
        if (!d.pools.some(x => x.name === ctx.params.pool_name)) throw new NotFound();
        d.pools = d.pools.filter(x => x.name !== ctx.params.pool_name);
        return { status: 204 };
      },

      // ── domains ──
      domains_list: ctx => {
        const page = this.#paginate(ctx, [...this.domains.values()]);
        return ok(200, { domains: page.items.map(d => this.#renderDomain(d)), links: page.links, meta: page.meta });
      },
      domains_create: ctx => {
        const name = String(ctx.body?.name ?? '').toLowerCase();
        if (!/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(name)) return this.errorReply(422, `invalid domain name "${name}"`);
        if (this.domains.has(name)) return this.errorReply(422, `domain "${name}" already exists`);
        const d: Domain = { name, ttl: 1800, records: [] };
        for (const ns of ['ns1', 'ns2', 'ns3']) d.records.push(this.#record({ type: 'NS', name: '@', data: `${ns}.digitalocean.com`, ttl: 1800 }));
        if (ctx.body.ip_address) d.records.push(this.#record({ type: 'A', name: '@', data: ctx.body.ip_address, ttl: 1800 }));
        this.domains.set(name, d);
        return ok(201, { domain: { name, ttl: 1800, zone_file: null } });
      },
      domains_get: ctx => ok(200, { domain: this.#renderDomain(this.#domain(ctx.params.domain_name)) }),
      domains_delete: ctx => {
        const d = this.#domain(ctx.params.domain_name);
        this.domains.delete(d.name);
        return { status: 204 };
      },
      domains_list_records: ctx => {
        const d = this.#domain(ctx.params.domain_name);
        const name = ctx.query.get('name');
        const type = ctx.query.get('type');
        const fqdn = (r: DomainRecord) => (r.name === '@' ? d.name : `${r.name}.${d.name}`);
        const page = this.#paginate(ctx, d.records.filter(r => (!name || fqdn(r) === name) && (!type || r.type === type)));
        return ok(200, { domain_records: page.items, links: page.links, meta: page.meta });
      },
      domains_create_record: ctx => {
        const d = this.#domain(ctx.params.domain_name);
        const b = ctx.body ?? {};
        if (!b.type || b.data === undefined) return this.errorReply(422, 'type and data are required');
        const r = this.#record(b);
        d.records.push(r);
        return ok(201, { domain_record: r });
      },
      domains_get_record: ctx => ok(200, { domain_record: this.#domainRecord(ctx) }),
      domains_update_record: ctx => {
        const r = this.#domainRecord(ctx);
        const b = ctx.body ?? {};
        for (const key of ['type', 'name', 'data', 'priority', 'port', 'ttl', 'weight', 'flags', 'tag'] as const) if (b[key] !== undefined) (r as any)[key] = b[key];
        return ok(200, { domain_record: r });
      },
      domains_delete_record: ctx => {
        const d = this.#domain(ctx.params.domain_name);
        const r = this.#domainRecord(ctx);
        d.records = d.records.filter(x => x !== r);
        return { status: 204 };
      },
    };
    this.#handlers = Object.fromEntries(Object.entries(handlers).map(([k, h]) => [k, wrap(h)]));
    return this.#handlers;
  }

  #domain(name: string | undefined): Domain {
    const d = name ? this.domains.get(name.toLowerCase()) : undefined;
    if (!d) throw new NotFound();
    return d;
  }

  #domainRecord(ctx: RequestContext): DomainRecord {
    const d = this.#domain(ctx.params.domain_name);
    const r = d.records.find(x => String(x.id) === ctx.params.domain_record_id);
    if (!r) throw new NotFound();
    return r;
  }

  #record(b: any): DomainRecord {
    return { id: this.#recordIds++, type: b.type, name: b.name ?? '@', data: String(b.data), priority: b.priority ?? null, port: b.port ?? null, ttl: b.ttl ?? 1800, weight: b.weight ?? null, flags: b.flags ?? null, tag: b.tag ?? null };
  }

  #renderDomain(d: Domain) {
    const lines = d.records.map(r => `${r.name === '@' ? `${d.name}.` : `${r.name}.${d.name}.`} ${r.ttl} IN ${r.type} ${r.data}${r.type === 'NS' || r.type === 'CNAME' ? '.' : ''}`);
    return { name: d.name, ttl: d.ttl, zone_file: `$ORIGIN ${d.name}.\n$TTL ${d.ttl}\n${lines.join('\n')}\n` };
  }
}
