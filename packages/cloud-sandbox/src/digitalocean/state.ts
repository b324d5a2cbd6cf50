/**
 * What every resource of the DigitalOcean emulator shares: the options, the in-memory state
 * (clusters, databases, VPCs, load balancers, volumes), the lifecycles computed from the clock,
 * the secrets handed out, the look-ups that answer 404, `links`/`meta` pagination and the
 * `{id, message, request_id}` error envelope.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { iso, type Clock } from '../clock';
import type {
  EmulatorOptions,
  Handler,
  Reply,
  RequestContext,
} from '../emulator';

export interface DigitalOceanTimings {
  /** provisioning -> running (default 6 minutes) */
  clusterMs?: number;
  /** a node pool added later: nodes provisioning -> running (default 3 minutes) */
  nodePoolMs?: number;
  /** creating -> online (default 5 minutes) */
  databaseMs?: number;
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

/** Where an emulated cluster really runs: its own API server, CA and a token that logs in. */
export interface ClusterTarget {
  server: string;
  /** base64 of the CA's PEM, as kubeconfigs carry it */
  caData: string;
  token: string;
}

/** What a cluster backend answers: the target, a failure, or nothing yet (still starting). */
export type ClusterTargetAnswer =
  | ClusterTarget
  | { failed: string }
  | undefined;

/**
 * A real database behind an emulated one (sandbox mode): the emulator calls it for the admin user
 * and default database of a new cluster, and for each user and database the API creates.
 */
export interface DatabaseBackend {
  /** Where its server listens (no TLS). */
  host: string;
  port: number;
  ensureUser(db: { id: string; name: string }, user: DbUser): Promise<void>;
  ensureDatabase(
    db: { id: string; name: string },
    database: string,
    owner: string,
  ): Promise<void>;
  /** The name a user or database of this cluster has in the real server. */
  localName(db: { id: string; name: string }, name: string): string;
  /** Drops the cluster's databases and users (a re-created cluster starts empty). */
  dropCluster(
    db: { id: string; name: string },
    users: string[],
    databases: string[],
  ): Promise<void>;
}

export interface DigitalOceanOptions extends EmulatorOptions {
  timings?: DigitalOceanTimings;
  /**
   * Sandbox mode: each cluster's own Kubernetes API. Asked once the cluster's provisioning time
   * has passed; the cluster stays `provisioning` until it answers a target, and goes to `error`
   * with the message of a failure. Kubeconfig and credentials then log in to that target.
   */
  clusterTarget?: (cluster: {
    id: string;
    name: string;
  }) => ClusterTargetAnswer;
  /** Sandbox mode: a real PostgreSQL behind the databases (connections point at it, pools directly). */
  databaseBackend?: DatabaseBackend;
  /** API server URL written into cluster `endpoint` and kubeconfigs (default https://<id>.k8s.ondigitalocean.com). */
  clusterEndpoint?: (cluster: {
    id: string;
    name: string;
    region: string;
  }) => string;
  /** Where database `connection` points (default a DigitalOcean-like host on port 25060). */
  databaseEndpoint?: (db: {
    id: string;
    name: string;
    region: string;
  }) => DatabaseEndpoint;
}

export interface Node {
  id: string;
  name: string;
  droplet_id: string;
  created: number;
}
export interface NodePool {
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
export interface Cluster {
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
export interface LintRun {
  id: string;
  requested: number;
  diagnostics: Omit<LintFinding, 'groups'>[];
}
export interface LoadBalancer {
  id: string;
  name: string;
  ip: string;
  region: string;
  vpc_uuid: string;
  clusterId?: string;
  created: number;
}
export interface Volume {
  id: string;
  name: string;
  clusterId?: string;
}
export interface Vpc {
  id: string;
  name: string;
  description: string;
  region: string;
  ip_range: string;
  default: boolean;
  created: number;
}
export interface DbUser {
  name: string;
  role: 'primary' | 'normal';
  password: string;
}
export interface Pool {
  name: string;
  mode: string;
  size: number;
  db: string;
  user: string;
}
export interface FirewallRule {
  uuid: string;
  type: string;
  value: string;
  description?: string;
  created: number;
}
export interface DbEvent {
  id: string;
  cluster_name: string;
  event_type: 'cluster_create' | 'cluster_update';
  create_time: string;
}
export interface Database {
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

/** One resource's handlers, by operationId. */
export type Handlers = Record<string, Handler>;

const ERROR_IDS: Record<number, string> = {
  400: 'bad_request',
  401: 'Unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  412: 'precondition_failed',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  500: 'server_error',
  501: 'not_implemented',
  503: 'service_unavailable',
};

/** DigitalOcean's error envelope. */
export function errorReply(
  status: number,
  message: string,
  code?: string | number,
): Reply {
  return {
    status,
    body: {
      id: code !== undefined ? String(code) : ERROR_IDS[status] ?? 'error',
      message,
      request_id: randomUUID(),
    },
  };
}

export const ok = (status: number, body?: unknown): Reply => ({ status, body });

/** Thrown by a look-up; the emulator answers 404 in the error envelope. */
export class NotFound extends Error {}

export const secret = (bytes = 16) => randomBytes(bytes).toString('hex');
export const fakePem = (label: string) =>
  `-----BEGIN ${label}-----\n${(
    randomBytes(600)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\n')}\n-----END ${label}-----\n`;

/** One page of a list, with DigitalOcean's `links.pages` and `meta.total`. */
export function paginate<T>(
  ctx: RequestContext,
  items: T[],
): { items: T[]; links: Record<string, unknown>; meta: { total: number } } {
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
  if (page > 1)
    Object.assign(pages, {
      first: link(1),
      prev: link(Math.min(page - 1, last)),
    });
  if (page < last)
    Object.assign(pages, { next: link(page + 1), last: link(last) });
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    links: Object.keys(pages).length ? { pages } : {},
    meta: { total: items.length },
  };
}

export class DigitalOceanState {
  readonly accountUuid = randomUUID();
  readonly clusters = new Map<string, Cluster>();
  readonly databases = new Map<string, Database>();
  readonly vpcs = new Map<string, Vpc>();
  readonly loadBalancers = new Map<string, LoadBalancer>();
  readonly volumes = new Map<string, Volume>();
  /** Names of database clusters whose provisioning does not finish (a test's fault). */
  readonly heldDatabases = new Set<string>();
  readonly clock: Clock;
  readonly options: DigitalOceanOptions;
  #secrets = new Set<string>();

  constructor(clock: Clock, options: DigitalOceanOptions) {
    this.clock = clock;
    this.options = options;
  }

  get timings(): Required<DigitalOceanTimings> {
    const t = this.options.timings ?? {};
    return {
      clusterMs: t.clusterMs ?? 6 * 60_000,
      nodePoolMs: t.nodePoolMs ?? 3 * 60_000,
      databaseMs: t.databaseMs ?? 5 * 60_000,
      resizeMs: t.resizeMs ?? 10 * 60_000,
      deleteMs: t.deleteMs ?? 60_000,
    };
  }

  /** Remembers a secret value handed out (kubeconfig token, database password) and returns it. */
  secret(value: string): string {
    this.#secrets.add(value);
    return value;
  }

  secrets(): string[] {
    return [...this.#secrets];
  }

  // ── lifecycles on the clock ──

  /** Clusters whose deletion has run its course disappear. */
  purge(): void {
    const now = this.clock.now();
    for (const [id, c] of this.clusters)
      if (
        c.deletingSince !== undefined &&
        now >= c.deletingSince + this.timings.deleteMs
      )
        this.clusters.delete(id);
  }

  /** Starts deleting a cluster: `deleting` for a while, then gone. */
  deleteCluster(c: Cluster): void {
    c.deletingSince ??= this.clock.now();
    c.updated = this.clock.now();
    this.purge();
  }

  /** The cluster backend's answer, once the provisioning time has passed (the default: a remote endpoint). */
  target(c: Cluster): ClusterTargetAnswer | 'remote' {
    if (this.clock.now() < c.readyAt) return undefined;
    if (!this.options.clusterTarget) return 'remote';
    // a deleted cluster's API is gone (and must not be started again)
    if (c.deletingSince !== undefined) return undefined;
    return this.options.clusterTarget({ id: c.id, name: c.name });
  }

  /** Provisioned: its API answers (kubeconfig, credentials, endpoint). */
  up(c: Cluster): boolean {
    const t = this.target(c);
    return t === 'remote' || (t !== undefined && !('failed' in t));
  }

  clusterState(
    c: Cluster,
  ): 'provisioning' | 'running' | 'degraded' | 'error' | 'deleting' {
    if (c.deletingSince !== undefined) return 'deleting';
    if (c.broken) return c.broken.state;
    const t = this.target(c);
    if (t && t !== 'remote' && 'failed' in t) return 'error';
    return this.up(c) ? 'running' : 'provisioning';
  }

  /** Why a cluster is broken, if it is. */
  failure(c: Cluster): string | undefined {
    if (c.broken) return c.broken.message;
    const t = this.target(c);
    return t && t !== 'remote' && 'failed' in t ? t.failed : undefined;
  }

  /** How a kubeconfig of a provisioned cluster logs in. */
  credentials(c: Cluster): { server: string; caData: string; token: string } {
    const t = this.target(c);
    if (t && t !== 'remote' && !('failed' in t)) return t;
    return { server: this.endpoint(c), caData: c.caData, token: c.token };
  }

  databaseStatus(d: Database): 'creating' | 'resizing' | 'online' {
    const now = this.clock.now();
    if (now < d.readyAt) return 'creating';
    return now < d.resizingUntil ? 'resizing' : 'online';
  }

  databaseEvent(d: Database, event_type: DbEvent['event_type']): void {
    d.events.push({
      id: secret(4),
      cluster_name: d.name,
      event_type,
      create_time: iso(this.clock.now()),
    });
  }

  /** A 412 while the database is still being created. */
  needOnline(d: Database): Reply | undefined {
    return this.clock.now() < d.readyAt
      ? errorReply(412, 'the database cluster is not online yet')
      : undefined;
  }

  endpoint(c: Cluster): string {
    return (
      this.options.clusterEndpoint?.({
        id: c.id,
        name: c.name,
        region: c.region,
      }) ?? `https://${c.id}.k8s.ondigitalocean.com`
    );
  }

  // ── look-ups (a missing one answers 404) ──

  cluster(id: string | undefined): Cluster {
    const c = id ? this.clusters.get(id) : undefined;
    if (!c) throw new NotFound();
    return c;
  }

  database(id: string | undefined): Database {
    const d = id ? this.databases.get(id) : undefined;
    if (!d) throw new NotFound();
    return d;
  }

  /** The region's default VPC, made on first use as DigitalOcean does. */
  defaultVpc(region: string): Vpc {
    for (const v of this.vpcs.values())
      if (v.region === region && v.default) return v;
    const v: Vpc = {
      id: randomUUID(),
      name: `default-${region}`,
      description: '',
      region,
      ip_range: `10.${100 + this.vpcs.size}.0.0/20`,
      default: true,
      created: this.clock.now(),
    };
    this.vpcs.set(v.id, v);
    return v;
  }
}
