/**
 * How each resource of the DigitalOcean emulator looks on the wire: state in, the spec's JSON (or
 * the kubeconfig's YAML) out. States that depend on time (provisioning, online...) are read from
 * the clock here, so a GET after `clock.advance()` shows the new state.
 */
import { stringify as toYaml } from 'yaml';
import { iso } from '../clock';
import {
  DROPLET_SIZES,
  offeredIn,
  REGION_FEATURES,
  REGIONS,
  sizeRegions,
  type DropletSize,
} from './catalog';
import type {
  Cluster,
  Database,
  DbUser,
  DigitalOceanState,
  FirewallRule,
  LintRun,
  LoadBalancer,
  NodePool,
  Pool,
  Vpc,
} from './state';

export function renderPool(s: DigitalOceanState, c: Cluster, p: NodePool) {
  const ready = s.clock.now() >= Math.max(p.readyAt, c.readyAt);
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

export function renderCluster(s: DigitalOceanState, c: Cluster) {
  const state = s.clusterState(c);
  const up = s.up(c);
  return {
    id: c.id,
    name: c.name,
    region: c.region,
    version: c.version,
    cluster_subnet: '10.244.0.0/16',
    service_subnet: '10.245.0.0/16',
    vpc_uuid: c.vpc_uuid,
    ipv4: up ? c.ipv4 : '',
    endpoint: up ? s.credentials(c).server : '',
    tags: [...c.tags, 'k8s', `k8s:${c.id}`],
    node_pools: c.node_pools.map(p => renderPool(s, c, p)),
    maintenance_policy: { ...c.maintenance_policy, duration: '4h0m0s' },
    auto_upgrade: c.auto_upgrade,
    status: {
      state,
      message:
        state === 'deleting'
          ? 'Deleting'
          : s.failure(c) ??
            (state === 'provisioning' ? 'Provisioning' : 'Ready'),
    },
    created_at: iso(c.created),
    updated_at: iso(Math.max(c.updated, up ? c.readyAt : c.created)),
    surge_upgrade: c.surge_upgrade,
    ha: c.ha,
    registry_enabled: false,
  };
}

export function renderKubeconfig(s: DigitalOceanState, c: Cluster): string {
  const name = `do-${c.region}-${c.name}`;
  const login = s.credentials(c);
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        cluster: {
          'certificate-authority-data': login.caData,
          server: login.server,
        },
        name,
      },
    ],
    contexts: [{ context: { cluster: name, user: `${name}-admin` }, name }],
    'current-context': name,
    preferences: {},
    users: [{ name: `${name}-admin`, user: { token: login.token } }],
  });
}

export function renderLintRun(run: LintRun) {
  // a run over the emulator's few findings completes at once
  return {
    run_id: run.id,
    requested_at: iso(run.requested),
    completed_at: iso(run.requested),
    diagnostics: run.diagnostics,
  };
}

/** Connection URI scheme per database engine; any other engine (Redis, Valkey) gets `rediss`. */
const URI_SCHEMES: Record<string, string> = {
  pg: 'postgresql',
  mysql: 'mysql',
  mongodb: 'mongodb+srv',
};

/** A database's connection as `user` (empty until the database is online). */
export function renderConnection(
  s: DigitalOceanState,
  d: Database,
  kind: 'public' | 'private',
  user: DbUser,
  database = 'defaultdb',
  port = 25060,
) {
  if (s.clock.now() < d.readyAt)
    return {
      uri: '',
      database: '',
      host: '',
      port: 0,
      user: '',
      password: '',
      ssl: true,
    };
  const backend = s.options.databaseBackend;
  const custom = backend
    ? {
        host: backend.host,
        port: backend.port,
        database: backend.localName(d, database),
        ssl: false,
      }
    : s.options.databaseEndpoint?.({
        id: d.id,
        name: d.name,
        region: d.region,
      });
  const userName = backend ? backend.localName(d, user.name) : user.name;
  const host =
    custom?.host ??
    `${kind === 'private' ? 'private-' : ''}${
      d.name
    }-do-user-sandbox-0.db.ondigitalocean.com`;
  const p = custom?.port ?? port;
  const db = custom?.database ?? database;
  const ssl = custom?.ssl ?? true;
  const scheme = URI_SCHEMES[d.engine] ?? 'rediss';
  return {
    uri: `${scheme}://${encodeURIComponent(userName)}:${encodeURIComponent(
      user.password,
    )}@${host}:${p}/${db}${ssl ? '?sslmode=require' : ''}`,
    database: db,
    host,
    port: p,
    user: userName,
    password: user.password,
    ssl,
  };
}

export function renderDatabase(s: DigitalOceanState, d: Database) {
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
    status: s.databaseStatus(d),
    created_at: iso(d.created),
    private_network_uuid: d.private_network_uuid,
    tags: d.tags,
    db_names: d.dbs,
    connection: renderConnection(s, d, 'public', admin),
    private_connection: renderConnection(s, d, 'private', admin),
    users: d.users.map(u => ({
      name: u.name,
      role: u.role,
      password: u.password,
    })),
    maintenance_window: {
      day: d.maintenance.day,
      hour: d.maintenance.hour,
      pending: false,
      description: [],
    },
    project_id: s.accountUuid,
    rules: d.rules.map(r => renderRule(d, r)),
    storage_size_mib: d.storage_size_mib,
  };
}

export function renderRule(d: Database, r: FirewallRule) {
  return {
    uuid: r.uuid,
    cluster_uuid: d.id,
    type: r.type,
    value: r.value,
    created_at: iso(r.created),
    ...(r.description ? { description: r.description } : {}),
  };
}

export function renderConnectionPool(
  s: DigitalOceanState,
  d: Database,
  p: Pool,
) {
  const user = d.users.find(u => u.name === p.user) ?? d.users[0]!;
  const backend = s.options.databaseBackend;
  // PgBouncer serves a pool under its own name; without one (sandbox mode) it is a direct
  // connection to the pool's database
  const poolDb = backend ? p.db : p.name;
  return {
    name: p.name,
    mode: p.mode,
    size: p.size,
    // with a real server, the name the database has there (as its connections name it), so a
    // client that connects to the pool's database directly finds it
    db: backend ? backend.localName(d, p.db) : p.db,
    user: p.user,
    connection: renderConnection(s, d, 'public', user, poolDb, 25061),
    private_connection: renderConnection(s, d, 'private', user, poolDb, 25061),
  };
}

export function renderVpc(v: Vpc) {
  return {
    id: v.id,
    urn: `do:vpc:${v.id}`,
    name: v.name,
    description: v.description,
    region: v.region,
    ip_range: v.ip_range,
    default: v.default,
    created_at: iso(v.created),
  };
}

export function renderLoadBalancer(s: DigitalOceanState, lb: LoadBalancer) {
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
    forwarding_rules: [
      {
        entry_protocol: 'http',
        entry_port: 80,
        target_protocol: 'http',
        target_port: 30080,
        certificate_id: '',
        tls_passthrough: false,
      },
    ],
    health_check: {
      protocol: 'tcp',
      port: 30080,
      path: '',
      check_interval_seconds: 3,
      response_timeout_seconds: 5,
      healthy_threshold: 5,
      unhealthy_threshold: 3,
    },
    sticky_sessions: { type: 'none' },
    redirect_http_to_https: false,
    enable_proxy_protocol: false,
    enable_backend_keepalive: false,
    http_idle_timeout_seconds: 60,
    vpc_uuid: lb.vpc_uuid,
    project_id: s.accountUuid,
    disable_lets_encrypt_dns_records: false,
    network: 'EXTERNAL',
    network_stack: 'IPV4',
    type: 'REGIONAL',
    tls_cipher_policy: 'DEFAULT',
    region: renderRegion(lb.region),
    droplet_ids: [],
    tag: lb.clusterId ? `k8s:${lb.clusterId}` : '',
  };
}

export function renderRegion(slug: string) {
  return {
    name: REGIONS[slug] ?? slug,
    slug,
    features: REGION_FEATURES,
    available: true,
    sizes: DROPLET_SIZES.filter(s => offeredIn(s.slug, slug)).map(s => s.slug),
  };
}

export function renderSize(s: DropletSize) {
  return {
    ...s,
    // DigitalOcean bills by the hour up to 672 hours (4 weeks) a month
    price_hourly: Math.round((s.price_monthly / 672) * 100_000) / 100_000,
    regions: sizeRegions(s),
    available: true,
    disk_info: [{ type: 'local', size: { amount: s.disk, unit: 'gib' } }],
  };
}
