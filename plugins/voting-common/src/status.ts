import type { LocalStackSource } from './types';

/**
 * How one part of an environment is doing. `rate-limited`: the provider asked us to slow down
 * (HTTP 429), so nothing is known this interval; `pending`: on its way (provisioning, creating).
 *
 * @public
 */
export type StatusState =
  | 'ok'
  | 'warning'
  | 'error'
  | 'pending'
  | 'rate-limited';

/**
 * One section of an environment's status: its state, what was seen (no secret), when, and why
 * it could not be checked when it could not.
 *
 * @public
 */
export type StatusSection<Detail> = {
  state: StatusState;
  detail: Detail | null;
  /** ISO 8601 time of the provider call this comes from (a cached answer keeps its time). */
  checkedAt: string;
  error?: string;
};

/** @public */
export type ClusterStatusDetail = {
  state: string;
  message: string | null;
  /** The DigitalOcean region slug (`nyc1`, `fra1`...). */
  region: string;
  version: string;
  /** The newest version DigitalOcean offers as an upgrade; null when none. */
  upgradeAvailable: string | null;
  ha: boolean;
  nodePools: Array<{
    name: string;
    size: string;
    ready: number;
    desired: number;
  }>;
};

/** @public */
export type DatabaseStatusDetail = {
  status: string;
  version: string;
  size: string;
  nodes: number;
  /** The newest backup's time; null when there is none yet. */
  latestBackupAt: string | null;
};

/** @public */
export type DnsRecordStatus = {
  name: string;
  present: boolean;
  type: string | null;
  content: string | null;
  proxied: boolean | null;
  /** Whether it points at the cluster's load balancer; null when that address is not known. */
  pointsAtLoadBalancer: boolean | null;
};

/**
 * The Cloudflare Origin CA certificate that covers the environment's host names (the one that
 * expires last when several do).
 *
 * @public
 */
export type OriginCertificateStatus = {
  id: string;
  hostnames: string[];
  /** ISO 8601. */
  expiresOn: string;
  /** Whole days from the check to the expiry; negative once expired. */
  daysLeft: number;
};

/** @public */
export type DnsStatusDetail = {
  zone: string;
  /** The zone's SSL/TLS mode (`strict`, `full`, `flexible`, `off`). */
  sslMode: string | null;
  records: DnsRecordStatus[];
  /** Null when no Origin CA certificate of the zone covers every host name of the environment. */
  originCertificate: OriginCertificateStatus | null;
};

/**
 * A voting workload's replicas.
 *
 * @public
 */
export type WorkloadReplicas = {
  namespace: string;
  name: string;
  ready: number;
  desired: number;
};

/** @public */
export type WorkloadsStatusDetail = {
  deployments: WorkloadReplicas[];
  /** The queue's (Redis or NATS JetStream): a StatefulSet, its votes on the pods' volumes. */
  statefulSets: WorkloadReplicas[];
  /** The address of Traefik's load balancer (IP or host name); null while it has none. */
  loadBalancer: string | null;
};

/**
 * One firing Prometheus alert, as Prometheus' `/api/v1/alerts` describes it (labels and
 * annotations reduced to what a viewer reads).
 *
 * @public
 */
export type FiringAlert = {
  name: string;
  /** The rule's `severity` label (`critical`, `warning`, `info`...); null when it has none. */
  severity: string | null;
  /** The `namespace` label: where the alert is about, when it is about one. */
  namespace: string | null;
  /** The `summary` annotation, else `description`. */
  summary: string | null;
  /** ISO 8601: when the alert became active. */
  activeAt: string | null;
};

/** @public */
export type AlertsStatusDetail = {
  /** The Prometheus Service asked (`namespace/name`), found by kube-prometheus-stack's labels. */
  prometheus: string;
  /** Firing alerts, without the always-firing `Watchdog` and `InfoInhibitor`, worst first. */
  alerts: FiringAlert[];
};

/** @public */
export type VotesStatusDetail = {
  poll: string;
  question: string;
  total: number;
  options: Array<{ id: string; label: string; votes: number; percent: number }>;
  /** Set in sandbox mode: the tallies come from the local stack, not the environment's cluster. */
  servedBy?: LocalStackSource;
};

/**
 * What `GET /api/voting/environments/:name/status` answers; every section stands on its own.
 *
 * @public
 */
export type EnvironmentStatus = {
  name: string;
  /** The owning group (`group:default/team-a`). */
  owner: string;
  /** Where people look further: the providers' consoles and the environment's Grafana. */
  links: {
    cluster: string;
    database: string;
    dns: string;
    grafana: string | null;
  };
  cluster: StatusSection<ClusterStatusDetail>;
  database: StatusSection<DatabaseStatusDetail>;
  dns: StatusSection<DnsStatusDetail>;
  workloads: StatusSection<WorkloadsStatusDetail>;
  alerts: StatusSection<AlertsStatusDetail>;
  votes: StatusSection<VotesStatusDetail>;
};

/**
 * The sections of {@link EnvironmentStatus}, in the order views show them.
 *
 * @public
 */
export const STATUS_SECTIONS = [
  'cluster',
  'database',
  'dns',
  'workloads',
  'alerts',
  'votes',
] as const;

/** @public */
export type StatusSectionName = (typeof STATUS_SECTIONS)[number];

/**
 * At most this many environments in one batch status call (`POST /environments/status`); a
 * client with more splits them.
 *
 * @public
 */
export const MAX_STATUS_BATCH = 200;

/**
 * What `GET /api/voting/environments/:name/status?sections=votes,cluster` answers: the
 * environment's name and owner and only the sections asked for (no links, which need the DNS
 * section). A signalled view fetches only the sections the signal names, and merges them.
 *
 * @public
 */
export type EnvironmentStatusSections = Pick<
  EnvironmentStatus,
  'name' | 'owner'
> &
  Partial<Pick<EnvironmentStatus, StatusSectionName>>;
