import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  createDigitalOceanClient,
  getKubeconfig,
  type DigitalOceanClient,
} from '@voting-platform/plugin-digitalocean-node';
import { KubernetesConnection } from '@voting-platform/plugin-kubernetes-node';
import {
  fetchPollResults,
  resultsApiUrl,
  type ClusterStatusDetail,
  type DatabaseStatusDetail,
  type DnsRecordStatus,
  type DnsStatusDetail,
  type LocalStackSource,
  type StatusState,
  type VotesStatusDetail,
  type VotingEnvironment,
  type WorkloadsStatusDetail,
} from '@voting-platform/plugin-voting-common';
import Cloudflare from 'cloudflare';

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

/**
 * A client that does not retry: a status view reports a provider's 429 as it is, instead of
 * holding every viewer while it backs off.
 */
function digitalOcean(ctx: SectionContext): DigitalOceanClient {
  return createDigitalOceanClient(
    { config: ctx.config, retry: { retries: 0 } },
    { logger: ctx.logger },
  );
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
  return new Cloudflare({
    apiToken: ctx.config.getString('cloudflare.apiToken'),
    baseURL: ctx.config.getOptionalString('cloudflare.apiUrl'),
    timeout: ctx.config.getOptionalNumber('cloudflare.requestTimeoutMs'),
    // as for DigitalOcean: a 429 is reported, not waited out
    maxRetries: 0,
    logLevel: 'off',
  });
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

export async function checkDns(
  env: VotingEnvironment,
  ctx: SectionContext,
): Promise<Checked<DnsStatusDetail>> {
  const cf = cloudflare(ctx);
  const zone = await findZone(cf, env.domain);
  if (!zone) {
    return {
      state: 'error',
      detail: { zone: env.domain, sslMode: null, records: [] },
    };
  }
  // the create template's records (cloudflare:dns:ensure steps)
  const hosts = [`vote.${env.domain}`, `result.${env.domain}`];
  const [setting, loadBalancer, ...found] = await Promise.all([
    cf.zones.settings.get('ssl', { zone_id: zone.id }),
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
  if (records.some(r => !r.present || r.pointsAtLoadBalancer === false)) {
    state = 'error';
  } else if (
    records.some(r => !r.proxied || r.pointsAtLoadBalancer === null) ||
    (sslMode !== 'strict' && sslMode !== 'full')
  ) {
    state = 'warning';
  }
  return { state, detail: { zone: zone.name, sslMode, records } };
}

export async function checkWorkloads(
  env: VotingEnvironment,
  ctx: SectionContext,
): Promise<Checked<WorkloadsStatusDetail>> {
  const client = digitalOcean(ctx);
  // the kubeconfig holds a token: it stays in this function
  const connection = KubernetesConnection.fromKubeconfig(
    await getKubeconfig(client, env.clusterId),
    { requestTimeoutMs: 10_000 },
  );
  const [deploymentList, traefik] = await Promise.all([
    connection.list<any>(
      'apps/v1',
      'Deployment',
      undefined,
      VOTING_APP_SELECTOR,
    ),
    connection.get<any>('v1', 'Service', TRAEFIK.name, TRAEFIK.namespace),
  ]);
  const deployments = deploymentList
    .map(d => ({
      namespace: String(d.metadata.namespace),
      name: String(d.metadata.name),
      desired: Number(d.spec?.replicas ?? 1),
      ready: Number(d.status?.readyReplicas ?? 0),
    }))
    .sort((a, b) =>
      `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
    );
  const ingress = traefik?.status?.loadBalancer?.ingress?.[0];
  const loadBalancer: string | null = ingress?.ip ?? ingress?.hostname ?? null;
  let state: StatusState = 'ok';
  if (
    deployments.length === 0 ||
    deployments.some(d => d.ready === 0 && d.desired > 0)
  ) {
    state = 'error';
  } else if (deployments.some(d => d.ready < d.desired) || !loadBalancer) {
    state = 'warning';
  }
  return { state, detail: { deployments, loadBalancer } };
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
