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

/** @public */
export type DnsStatusDetail = {
  zone: string;
  /** The zone's SSL/TLS mode (`strict`, `full`, `flexible`, `off`). */
  sslMode: string | null;
  records: DnsRecordStatus[];
};

/** @public */
export type WorkloadsStatusDetail = {
  deployments: Array<{
    namespace: string;
    name: string;
    ready: number;
    desired: number;
  }>;
  /** The address of Traefik's load balancer (IP or host name); null while it has none. */
  loadBalancer: string | null;
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
  'votes',
] as const;

/** @public */
export type StatusSectionName = (typeof STATUS_SECTIONS)[number];
