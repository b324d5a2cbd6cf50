import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  getKubeconfig,
  type DigitalOceanClient,
} from '@voting-platform/plugin-digitalocean-node';
import { KubernetesConnection } from '@voting-platform/plugin-kubernetes-node';
import {
  fetchPollResults,
  resultsApiUrl,
  type AlertsStatusDetail,
  type ClusterStatusDetail,
  type DatabaseStatusDetail,
  type DnsRecordStatus,
  type DnsStatusDetail,
  type FiringAlert,
  type LocalStackSource,
  type OriginCertificateStatus,
  type StatusState,
  type VotesStatusDetail,
  type VotingEnvironment,
  type WorkloadReplicas,
  type WorkloadsStatusDetail,
} from '@voting-platform/plugin-voting-common';
import type Cloudflare from 'cloudflare';
import { cloudflareReader, digitalOceanReader } from '../providers';

/** What a section check found: the section's state and detail (the time is added by the caller). */
export type Checked<Detail> = { state: StatusState; detail: Detail };

export interface SectionContext {
  config: Config;
  logger: LoggerService;
  /** How long the result service may take, in milliseconds. */
  resultsTimeoutMs: number;
  /** Hosts the result URL may point at; any when undefined. */
  allowedResultHosts?: string[];
  /** Sandbox mode: the local stack answers for every environment (`voting.sandbox`). */
  localStack?: LocalStackSource;
  /** Traefik's load-balancer address as the workloads section sees it (shared, cached). */
  loadBalancerAddress(): Promise<string | null | undefined>;
}

/** The labels the voting manifests put on every object of the app. */
const VOTING_APP_SELECTOR = 'app.kubernetes.io/part-of=voting-app';
/** Where the Traefik release puts its LoadBalancer Service. */
const TRAEFIK = { namespace: 'traefik', name: 'traefik' };

function digitalOcean(ctx: SectionContext): DigitalOceanClient {
  return digitalOceanReader(ctx.config, ctx.logger);
}

export async function checkCluster(
  env: VotingEnvironment,
  ctx: SectionContext,
): Promise<Checked<ClusterStatusDetail>> {
  const client = digitalOcean(ctx);
  const id = env.clusterId;
  // raw requests: dots-wrapper types the cluster's state with values the API does not use
  const [cluster, upgrades] = await Promise.all([
    client.call(`get cluster ${id}`, async () => {
      const { data } = await client.http.get(
        `/kubernetes/clusters/${encodeURIComponent(id)}`,
      );
      return data.kubernetes_cluster;
    }),
    client.call(`get the upgrades of cluster ${id}`, async () => {
      const { data } = await client.http.get(
        `/kubernetes/clusters/${encodeURIComponent(id)}/upgrades`,
      );
      return (data.available_upgrade_versions ?? []) as Array<{
        slug: string;
      }>;
    }),
  ]);
  const nodePools = (cluster.node_pools ?? []).map((pool: any) => ({
    name: String(pool.name),
    size: String(pool.size),
    desired: Number(pool.count ?? 0),
    ready: (pool.nodes ?? []).filter(
      (node: any) => node.status?.state === 'running',
    ).length,
  }));
  const state: string = cluster.status?.state ?? 'unknown';
  let sectionState: StatusState;
  if (state === 'running') {
    sectionState = nodePools.every(
      (p: { ready: number; desired: number }) => p.ready >= p.desired,
    )
      ? 'ok'
      : 'warning';
  } else if (state === 'provisioning' || state === 'upgrading') {
    sectionState = 'pending';
  } else if (state === 'degraded') {
    sectionState = 'warning';
  } else {
    sectionState = 'error';
  }
  return {
    state: sectionState,
    detail: {
      state,
      message: cluster.status?.message ?? null,
      region: String(cluster.region),
      version: String(cluster.version),
      upgradeAvailable: upgrades.length
        ? upgrades[upgrades.length - 1].slug
        : null,
      ha: Boolean(cluster.ha),
      nodePools,
    },
  };
}

const DATABASE_STATES: Record<string, StatusState> = {
  online: 'ok',
  creating: 'pending',
  resizing: 'warning',
  migrating: 'warning',
  forking: 'warning',
};

export async function checkDatabase(
  env: VotingEnvironment,
  ctx: SectionContext,
): Promise<Checked<DatabaseStatusDetail>> {
  const client = digitalOcean(ctx);
  const id = encodeURIComponent(env.databaseId);
  const [database, backups] = await Promise.all([
    client.call(`get database ${env.databaseId}`, async () => {
      const { data } = await client.http.get(`/databases/${id}`);
      return data.database;
    }),
    client.call(`list the backups of database ${env.databaseId}`, async () => {
      const { data } = await client.http.get(`/databases/${id}/backups`);
      return (data.backups ?? []) as Array<{ created_at: string }>;
    }),
  ]);
  const latest = backups
    .map(b => b.created_at)
    .sort()
    .at(-1);
  // picked field by field: the answer also holds the connection, password included
  return {
    state: DATABASE_STATES[database.status] ?? 'error',
    detail: {
      status: String(database.status),
      version: String(database.version),
      size: String(database.size),
      nodes: Number(database.num_nodes),
      latestBackupAt: latest ?? null,
    },
  };
}

function cloudflare(ctx: SectionContext): Cloudflare {
  return cloudflareReader(ctx.config);
}

/**
 * The most specific zone of the account that the domain belongs to: `demo.example.com` is in
 * the zone `demo.example.com` when there is one, else in `example.com`.
 */
async function findZone(
  cf: Cloudflare,
  domain: string,
): Promise<{ id: string; name: string } | undefined> {
  const labels = domain.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const name = labels.slice(i).join('.');
    const { result } = await cf.zones.list({ name });
    const zone = result.find(z => z.name === name);
    if (zone) return zone;
  }
  return undefined;
}

/** Whether a certificate's host name (`vote.example.com`, `*.example.com`) covers a host. */
function covers(certificateHost: string, host: string): boolean {
  if (certificateHost.startsWith('*.')) {
    const parent = certificateHost.slice(2);
    return (
      host.endsWith(`.${parent}`) &&
      !host.slice(0, -parent.length - 1).includes('.')
    );
  }
  return certificateHost === host;
}

/** A certificate this close to its expiry is a warning. */
const CERTIFICATE_WARNING_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

/**
 * The Origin CA certificate of the zone that covers every host (the one expiring last), as
 * Traefik serves it to Cloudflare in `strict` mode; undefined when none does.
 */
async function originCertificate(
  cf: Cloudflare,
  zoneId: string,
  hosts: string[],
): Promise<OriginCertificateStatus | undefined> {
  let found: OriginCertificateStatus | undefined;
  // one request: the API documents no paging for this list (the SDK's iterator would ask for a
  // second page with a parameter the API does not take)
  const { result } = await cf.originCACertificates.list({ zone_id: zoneId });
  for (const certificate of result) {
    const expires = Date.parse(certificate.expires_on ?? '');
    if (
      !certificate.id ||
      Number.isNaN(expires) ||
      !hosts.every(host => certificate.hostnames.some(h => covers(h, host)))
    )
      continue;
    if (found && Date.parse(found.expiresOn) >= expires) continue;
    // picked field by field: the answer also holds the certificate and its request
    found = {
      id: certificate.id,
      hostnames: certificate.hostnames,
      expiresOn: new Date(expires).toISOString(),
      daysLeft: Math.floor((expires - Date.now()) / DAY_MS),
    };
  }
  return found;
}

export async function checkDns(
  env: VotingEnvironment,
  ctx: SectionContext,
): Promise<Checked<DnsStatusDetail>> {
  const cf = cloudflare(ctx);
  const zone = await findZone(cf, env.domain);
  if (!zone) {
    return {
      state: 'error',
      detail: {
        zone: env.domain,
        sslMode: null,
        records: [],
        originCertificate: null,
      },
    };
  }
  // the create template's records (cloudflare:dns:ensure steps); Grafana's where it has one
  const hosts = [
    `vote.${env.domain}`,
    `result.${env.domain}`,
    ...(env.grafanaUrl ? [new URL(env.grafanaUrl).hostname] : []),
  ];
  const [setting, certificate, loadBalancer, ...found] = await Promise.all([
    cf.zones.settings.get('ssl', { zone_id: zone.id }),
    originCertificate(cf, zone.id, hosts),
    ctx.loadBalancerAddress().catch(() => undefined),
    // the first page is enough for one name; the SDK's iterator would ask for an empty second
    ...hosts.map(
      async host =>
        (
          await cf.dns.records.list({
            zone_id: zone.id,
            name: { exact: host },
          })
        ).result,
    ),
  ]);
  const records: DnsRecordStatus[] = hosts.map((host, i) => {
    const record = found[i].find(r => ['A', 'AAAA', 'CNAME'].includes(r.type));
    const content = record ? String(record.content ?? '') : null;
    return {
      name: host,
      present: !!record,
      type: record?.type ?? null,
      content,
      proxied: record ? Boolean(record.proxied) : null,
      pointsAtLoadBalancer:
        record && loadBalancer ? content === loadBalancer : null,
    };
  });
  const sslMode = String((setting as { value?: unknown }).value ?? '') || null;
  let state: StatusState = 'ok';
  if (
    records.some(r => !r.present || r.pointsAtLoadBalancer === false) ||
    (certificate && certificate.daysLeft < 0)
  ) {
    state = 'error';
  } else if (
    records.some(r => !r.proxied || r.pointsAtLoadBalancer === null) ||
    (sslMode !== 'strict' && sslMode !== 'full') ||
    // with none, Cloudflare's strict mode refuses the origin unless it has another certificate
    !certificate ||
    certificate.daysLeft < CERTIFICATE_WARNING_DAYS
  ) {
    state = 'warning';
  }
  return {
    state,
    detail: {
      zone: zone.name,
      sslMode,
      records,
      originCertificate: certificate ?? null,
    },
  };
}

/** The environment's cluster; its kubeconfig holds a token, so the connection stays in the check. */
async function clusterConnection(
  env: VotingEnvironment,
  ctx: SectionContext,
): Promise<KubernetesConnection> {
  return KubernetesConnection.fromKubeconfig(
    await getKubeconfig(digitalOcean(ctx), env.clusterId),
    { requestTimeoutMs: 10_000 },
  );
}

export async function checkWorkloads(
  env: VotingEnvironment,
  ctx: SectionContext,
): Promise<Checked<WorkloadsStatusDetail>> {
  const connection = await clusterConnection(env, ctx);
  const replicas = async (kind: 'Deployment' | 'StatefulSet') =>
    (
      await connection.list<any>(
        'apps/v1',
        kind,
        undefined,
        VOTING_APP_SELECTOR,
      )
    )
      .map(
        (w): WorkloadReplicas => ({
          namespace: String(w.metadata.namespace),
          name: String(w.metadata.name),
          desired: Number(w.spec?.replicas ?? 1),
          ready: Number(w.status?.readyReplicas ?? 0),
        }),
      )
      .sort((a, b) =>
        `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
      );
  const [deployments, statefulSets, traefik] = await Promise.all([
    replicas('Deployment'),
    replicas('StatefulSet'),
    connection.get<any>('v1', 'Service', TRAEFIK.name, TRAEFIK.namespace),
  ]);
  const ingress = traefik?.status?.loadBalancer?.ingress?.[0];
  const loadBalancer: string | null = ingress?.ip ?? ingress?.hostname ?? null;
  const all = [...deployments, ...statefulSets];
  let state: StatusState = 'ok';
  if (
    deployments.length === 0 ||
    all.some(w => w.ready === 0 && w.desired > 0)
  ) {
    state = 'error';
  } else if (all.some(w => w.ready < w.desired) || !loadBalancer) {
    state = 'warning';
  }
  return { state, detail: { deployments, statefulSets, loadBalancer } };
}

/**
 * The labels kube-prometheus-stack puts on its Prometheus Service (the chart's
 * templates/prometheus/service.yaml: `app: <chart name>-prometheus`, and `release: <release>` on
 * every object of a release). The record does not name the release, so its labels find it.
 */
const PROMETHEUS_SELECTOR = 'app=kube-prometheus-stack-prometheus,release';
/** The chart's name of the Prometheus web port (`prometheus.prometheusSpec.portName`). */
const PROMETHEUS_PORT_NAME = 'http-web';
/**
 * Alerts kube-prometheus-stack fires all the time on purpose: `Watchdog` proves the alerting
 * pipeline works, `InfoInhibitor` exists to silence info alerts. Neither says anything is wrong.
 */
const ALWAYS_FIRING = new Set(['Watchdog', 'InfoInhibitor']);
/** Severities worst first; an alert of another severity sorts after them. */
const SEVERITIES = ['critical', 'warning', 'info', 'none'];
/** Listed, but as in kube-prometheus-stack's own routing they page no one: no warning. */
const QUIET_SEVERITIES = new Set(['info', 'none']);

/** Thrown when the cluster has no kube-prometheus-stack Prometheus, or it cannot be reached. */
export class PrometheusUnavailable extends Error {
  override readonly name = 'PrometheusUnavailable';
}

/** What Prometheus' `GET /api/v1/alerts` answers (its HTTP API's documented shape). */
type PrometheusAlerts = {
  status: string;
  error?: string;
  data?: {
    alerts?: Array<{
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      state?: string;
      activeAt?: string;
    }>;
  };
};

export async function checkAlerts(
  env: VotingEnvironment,
  ctx: SectionContext,
): Promise<Checked<AlertsStatusDetail>> {
  const connection = await clusterConnection(env, ctx);
  const [service] = (
    await connection.list<any>('v1', 'Service', undefined, PROMETHEUS_SELECTOR)
  ).sort((a, b) =>
    `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
      `${b.metadata.namespace}/${b.metadata.name}`,
    ),
  );
  if (!service) {
    throw new PrometheusUnavailable(
      `the cluster has no kube-prometheus-stack Prometheus Service (labels ${PROMETHEUS_SELECTOR})`,
    );
  }
  const { namespace, name } = service.metadata as {
    namespace: string;
    name: string;
  };
  const ports: Array<{ name?: string; port: number }> =
    service.spec?.ports ?? [];
  const port = ports.find(p => p.name === PROMETHEUS_PORT_NAME) ?? ports.at(0);
  if (!port) {
    throw new PrometheusUnavailable(
      `the Prometheus Service ${namespace}/${name} has no port`,
    );
  }
  const sandboxReason = ctx.config.getOptionalString(
    'voting.sandbox.alertsUnavailable',
  );
  if (sandboxReason) {
    throw new PrometheusUnavailable(
      `Prometheus (${namespace}/${name}) cannot be reached in sandbox mode: ${sandboxReason}`,
    );
  }
  let answer: PrometheusAlerts;
  try {
    answer = await connection.serviceProxyGet<PrometheusAlerts>(
      namespace,
      name,
      port.name || port.port,
      'api/v1/alerts',
    );
  } catch (error) {
    throw new PrometheusUnavailable(
      `Prometheus (${namespace}/${name}) could not be reached through the Kubernetes API server's service proxy: ${
        (error as Error).message
      }`,
    );
  }
  if (answer?.status !== 'success') {
    throw new PrometheusUnavailable(
      `Prometheus (${namespace}/${name}) answered the alerts query with ${
        answer?.error ?? `status ${answer?.status}`
      }`,
    );
  }
  const rank = (alert: FiringAlert) => {
    const i = SEVERITIES.indexOf(alert.severity ?? 'none');
    return i < 0 ? SEVERITIES.length : i;
  };
  const alerts: FiringAlert[] = (answer.data?.alerts ?? [])
    // `pending` alerts have not held for their `for:` time yet: not firing
    .filter(a => a.state === 'firing')
    .filter(a => !ALWAYS_FIRING.has(a.labels?.alertname ?? ''))
    .map(a => ({
      name: a.labels?.alertname ?? 'unnamed alert',
      severity: a.labels?.severity ?? null,
      namespace: a.labels?.namespace ?? null,
      summary: a.annotations?.summary ?? a.annotations?.description ?? null,
      activeAt: a.activeAt ?? null,
    }))
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  let state: StatusState = 'ok';
  if (alerts.some(a => a.severity === 'critical')) state = 'error';
  else if (alerts.some(a => !QUIET_SEVERITIES.has(a.severity ?? 'none')))
    state = 'warning';
  return { state, detail: { prometheus: `${namespace}/${name}`, alerts } };
}

/** Thrown for a result URL outside `voting.allowedResultHosts`: never fetched. */
export class ResultHostNotAllowed extends Error {
  override readonly name = 'ResultHostNotAllowed';
}

/**
 * Where an environment's tallies are read: the local stack in sandbox mode, else the
 * environment's own result service, which must be on an allowed host.
 */
export function votesSource(
  env: VotingEnvironment,
  ctx: Pick<SectionContext, 'allowedResultHosts' | 'localStack'>,
): { resultUrl: string; servedBy?: LocalStackSource } {
  const { localStack } = ctx;
  if (localStack) {
    return { resultUrl: localStack.resultUrl, servedBy: localStack };
  }
  const host = resultsApiUrl(env.resultUrl).host;
  if (ctx.allowedResultHosts && !ctx.allowedResultHosts.includes(host)) {
    throw new ResultHostNotAllowed(
      `${host} is not in voting.allowedResultHosts`,
    );
  }
  return { resultUrl: env.resultUrl };
}

export async function checkVotes(
  env: VotingEnvironment,
  ctx: SectionContext,
): Promise<Checked<VotesStatusDetail>> {
  const { resultUrl, servedBy } = votesSource(env, ctx);
  const results = await fetchPollResults(resultUrl, {
    timeoutMs: ctx.resultsTimeoutMs,
  });
  return { state: 'ok', detail: servedBy ? { ...results, servedBy } : results };
}
