/**
 * The create template end to end on sandbox mode, as an API caller runs it: first with only the
 * values the form requires, then with other values (another region, NATS, a subdomain of the
 * zone). Each environment is checked where it lives: the emulated DigitalOcean and Cloudflare, its
 * own Kubernetes cluster, its database, and the catalog.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { Entity } from '@backstage/catalog-model';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PolicyV1Api,
  type KubeConfig,
} from '@kubernetes/client-node';
import pg from 'pg';
import { retry } from '@voting-platform/timing';
import { scaffolderTasks, taskRun, type TaskRun } from '../support/tasks.js';
import { startJourney, TEMPLATE_DEFAULTS, type Journey } from './harness.js';

const TEMPLATE = 'template:default/voting-platform';
const OWNER = 'group:default/platform-team';

/** What the form requires; everything else is left to the actions' own defaults. */
const requiredValues: Values = {
  name: 'journey-a',
  owner: OWNER,
  region: 'fra1',
  domain: 'example.com',
  imageRepository: 'registry.example.com/acme/voting',
};

interface Values {
  name: string;
  owner: string;
  region: string;
  domain: string;
  imageRepository: string;
  nodeSize?: string;
  nodeCount?: number;
  autoScaleMax?: number;
  highAvailability?: boolean;
  databaseSize?: string;
  databaseNodes?: number;
  queue?: 'redis' | 'nats';
  /** What the VotingCloudflareZone field gives: the zone's id and name. */
  zone?: { id: string; name: string };
}

/** The public host names of an environment on its domain. */
const hostsOf = (domain: string) => ({
  vote: `vote.${domain}`,
  result: `result.${domain}`,
  grafana: `grafana.${domain}`,
});

let journey: Journey;
/** Every run of this file, for the scan of what they print. */
const runs: TaskRun[] = [];
beforeAll(async () => {
  journey = await startJourney();
}, 180_000);
afterAll(() => journey?.stop());

/** Runs the template and fails with its log unless it completed. */
async function create(values: Values): Promise<TaskRun> {
  const started = Date.now();
  const run = await journey.createTask(TEMPLATE, values);
  runs.push(run);
  console.log(
    `${values.name}: task ${run.status} in ${(
      (Date.now() - started) /
      1000
    ).toFixed(1)} s`,
  );
  assert.equal(run.status, 'completed', run.text);
  await assertServedNow(values.name, run);
  return run;
}

/** The environment's Component as the catalog serves it right now: one read, no waiting. */
async function servedNow(name: string): Promise<Entity | undefined> {
  const response = await journey.api(
    `/api/catalog/entities/by-name/component/voting-environments/${name}`,
  );
  if (response.status === 404) return undefined;
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as Entity;
}

/**
 * The register step waited for the catalog: as the task ends, the catalog serves the
 * environment's Component with the record's current data, so the task's link works at once.
 */
async function assertServedNow(name: string, run: TaskRun) {
  const response = await journey.api(`/api/voting/environments/${name}`);
  assert.equal(response.status, 200, await response.clone().text());
  const record = (await response.json()) as { updatedAt: string };
  const entity = await servedNow(name);
  assert.ok(entity, `the catalog serves ${name} as its task ends`);
  assert.equal(
    entity.metadata.annotations?.['voting-platform.io/environment-updated-at'],
    record.updatedAt,
    'the catalog serves the record as it is now',
  );
  const waited =
    /The catalog serves component:\S+ as recorded at \S+: after (\d+) ms/.exec(
      run.text,
    );
  assert.ok(waited, run.text);
  console.log(
    `${name}: the register step waited ${waited[1]} ms for the catalog`,
  );
}

const only = <T>(
  items: Iterable<T>,
  matches: (item: T) => boolean,
  what: string,
) => {
  const found = [...items].filter(matches);
  assert.equal(found.length, 1, `exactly one ${what}: ${found.length}`);
  return found[0]!;
};

/**
 * Other choices than the defaults wherever the journey can tell them apart. The zone is what the
 * VotingCloudflareZone field sends: the emulated zone's id and name.
 */
const otherValues = (): Values => ({
  ...requiredValues,
  name: 'journey-b',
  region: 'ams3',
  nodeSize: 's-4vcpu-8gb',
  nodeCount: 4,
  autoScaleMax: 6,
  highAvailability: true,
  databaseSize: 'db-s-2vcpu-4gb',
  databaseNodes: 2,
  queue: 'nats',
  domain: 'polls.example.com',
  zone: pickZone('example.com'),
});

/** The zone as the VotingCloudflareZone field gives it. */
function pickZone(name: string) {
  const zone = only(
    journey.cloud.cloudflare.zones.values(),
    z => z.name === name,
    `zone ${name}`,
  );
  return { id: zone.id, name: zone.name };
}

/** The environment's DigitalOcean resources, checked against the values it was made with. */
function digitalOceanResources(values: Values) {
  const { digitalocean } = journey.cloud;
  const vpc = only(
    digitalocean.vpcs.values(),
    v => v.name === `${values.name}-vpc`,
    'VPC',
  );
  const cluster = only(
    digitalocean.clusters.values(),
    c => c.name === values.name,
    'cluster',
  );
  const database = only(
    digitalocean.databases.values(),
    d => d.name === `${values.name}-db`,
    'database',
  );
  assert.equal(vpc.region, values.region);
  assert.deepEqual(
    {
      region: cluster.region,
      vpc: cluster.vpc_uuid,
      ha: cluster.ha,
      pools: cluster.node_pools.map(p => ({
        size: p.size,
        count: p.count,
        autoScale: p.auto_scale,
        max: p.max_nodes,
      })),
    },
    // what the actions take when the caller leaves a value out
    {
      region: values.region,
      vpc: vpc.id,
      ha: values.highAvailability ?? TEMPLATE_DEFAULTS.highAvailability,
      pools: [
        {
          size: values.nodeSize ?? TEMPLATE_DEFAULTS.nodeSize,
          count: values.nodeCount ?? TEMPLATE_DEFAULTS.nodeCount,
          autoScale: values.autoScaleMax !== undefined,
          max: values.autoScaleMax ?? 0,
        },
      ],
    },
  );
  assert.ok(cluster.tags.includes(`owner:platform-team`), cluster.tags.join());
  assert.deepEqual(
    {
      region: database.region,
      vpc: database.private_network_uuid,
      size: database.size,
      nodes: database.num_nodes,
      appUser: database.users.some(u => u.name === 'voting'),
      appDatabase: database.dbs.includes('votes'),
    },
    {
      region: values.region,
      vpc: vpc.id,
      size: values.databaseSize ?? TEMPLATE_DEFAULTS.databaseSize,
      nodes: values.databaseNodes ?? TEMPLATE_DEFAULTS.databaseNodes,
      appUser: true,
      appDatabase: true,
    },
  );
  return { vpc, cluster, database };
}

/** The releases Helm recorded in the cluster (its storage Secrets), latest revision of each. */
async function helmReleases(kc: KubeConfig) {
  const secrets = await kc
    .makeApiClient(CoreV1Api)
    .listSecretForAllNamespaces({ labelSelector: 'owner=helm' });
  const latest = new Map<string, { status: string; version: number }>();
  for (const s of secrets.items) {
    const labels = s.metadata!.labels!;
    const version = Number(labels.version);
    if ((latest.get(labels.name!)?.version ?? 0) < version)
      latest.set(labels.name!, { status: labels.status!, version });
  }
  return latest;
}

async function checkCluster(
  kc: KubeConfig,
  queue: 'redis' | 'nats',
  domain: string,
) {
  const releases = await helmReleases(kc);
  for (const release of ['kube-prometheus-stack', 'traefik'])
    assert.equal(
      releases.get(release)?.status,
      'deployed',
      [...releases.keys()].join(),
    );

  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const namespace = 'voting';
  const deployments = (await apps.listNamespacedDeployment({ namespace }))
    .items;
  const statefulSets = (await apps.listNamespacedStatefulSet({ namespace }))
    .items;
  assert.deepEqual(deployments.map(d => d.metadata!.name).sort(), [
    'result',
    'vote',
    'worker',
  ]);
  assert.deepEqual(
    statefulSets.map(s => s.metadata!.name),
    [queue],
    'the chosen queue, and no other',
  );
  for (const workload of [...deployments, ...statefulSets])
    assert.equal(
      workload.status?.readyReplicas,
      workload.spec!.replicas,
      `${workload.metadata!.name} ready`,
    );
  const pods = (await core.listNamespacedPod({ namespace })).items;
  assert.ok(pods.length >= 5, `pods: ${pods.length}`);
  for (const pod of pods)
    assert.equal(
      pod.status?.conditions?.find(c => c.type === 'Ready')?.status,
      'True',
      `pod ${pod.metadata!.name} Ready`,
    );
  const services = (await core.listNamespacedService({ namespace })).items.map(
    s => s.metadata!.name,
  );
  for (const name of ['vote', 'result'])
    assert.ok(services.includes(name), services.join());

  const ingressRoutes = (await custom.listNamespacedCustomObject({
    group: 'traefik.io',
    version: 'v1alpha1',
    namespace,
    plural: 'ingressroutes',
  })) as {
    items: Array<{
      spec: {
        routes: Array<{
          match: string;
          services: Array<{ name: string; namespace?: string; port: number }>;
        }>;
      };
    }>;
  };
  const routes = ingressRoutes.items.flatMap(r => r.spec.routes);
  const matches = routes.map(route => route.match);
  const hosts = hostsOf(domain);
  for (const host of Object.values(hosts))
    assert.ok(
      matches.some(m => m.includes(host)),
      `an IngressRoute for ${host}: ${matches.join('; ')}`,
    );
  // Grafana's route leads to the Service the kube-prometheus-stack release made
  const grafanaRoute = routes.find(r => r.match.includes(hosts.grafana))!;
  const [grafanaService] = grafanaRoute.services;
  const grafana = await core.readNamespacedService({
    name: grafanaService!.name,
    namespace: grafanaService!.namespace ?? namespace,
  });
  assert.equal(grafana.metadata!.namespace, 'monitoring');
  assert.ok(
    grafana.spec!.ports!.some(p => p.port === grafanaService!.port),
    `${grafanaService!.name} serves port ${grafanaService!.port}`,
  );
  const monitors = (await custom.listNamespacedCustomObject({
    group: 'monitoring.coreos.com',
    version: 'v1',
    namespace,
    plural: 'servicemonitors',
  })) as { items: unknown[] };
  assert.ok(
    monitors.items.length >= 3,
    `ServiceMonitors: ${monitors.items.length}`,
  );

  const tls = await core.readNamespacedSecret({
    name: 'cloudflare-origin-tls',
    namespace,
  });
  const certificate = new X509Certificate(
    Buffer.from(tls.data!['tls.crt']!, 'base64'),
  );
  for (const host of Object.values(hosts))
    assert.equal(
      certificate.checkHost(host),
      host,
      `the certificate names ${host}`,
    );

  const app = await core.readNamespacedSecret({
    name: 'voting-secrets',
    namespace,
  });
  return Buffer.from(app.data!.POSTGRES_URL!, 'base64').toString('utf8');
}

/** The zone's A records for the apps point at the load balancer DigitalOcean reports. */
function checkCloudflare(clusterId: string, domain: string) {
  const { cloudflare, digitalocean } = journey.cloud;
  const balancer = only(
    digitalocean.loadBalancers.values(),
    lb => lb.clusterId === clusterId,
    'load balancer of the cluster',
  );
  for (const host of Object.values(hostsOf(domain))) {
    const record = only(
      cloudflare.records.values(),
      r => r.name === host,
      `record ${host}`,
    );
    assert.deepEqual(
      { type: record.type, content: record.content, proxied: record.proxied },
      { type: 'A', content: balancer.ip, proxied: true },
    );
  }
  const zone = only(
    cloudflare.zones.values(),
    z => z.name === 'example.com',
    'zone',
  );
  assert.equal(zone.settings.ssl?.value, 'strict');
}

async function canConnect(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT current_database() AS db');
    return rows[0].db as string;
  } finally {
    await client.end();
  }
}

/** The environment's entities, with the relations the catalog derived. */
async function checkCatalog(name: string) {
  const component = await journey.entity(
    `component:voting-environments/${name}`,
  );
  const relations = component.relations!.map(r => `${r.type} ${r.targetRef}`);
  for (const expected of [
    `ownedBy ${OWNER}`,
    'partOf system:default/voting-platform',
    `dependsOn resource:voting-environments/${name}-cluster`,
    `dependsOn resource:voting-environments/${name}-database`,
  ])
    assert.ok(
      relations.includes(expected),
      `${expected}: ${relations.join(', ')}`,
    );
  for (const resource of ['cluster', 'database'])
    await journey.entity(`resource:voting-environments/${name}-${resource}`);
}

async function checkEnvironment(values: Values, run: TaskRun) {
  const { cluster } = digitalOceanResources(values);
  const kc = await journey.kubeconfig(cluster.id);
  const appDatabaseUrl = await checkCluster(
    kc,
    values.queue ?? 'redis',
    values.domain,
  );
  checkCloudflare(cluster.id, values.domain);
  assert.ok(
    await canConnect(appDatabaseUrl),
    'the app connects to its database',
  );
  await checkCatalog(values.name);
  const links = (run.output.links ?? []) as Array<{
    url?: string;
    entityRef?: string;
  }>;
  assert.ok(
    links.some(
      l => l.entityRef === `component:voting-environments/${values.name}`,
    ),
    JSON.stringify(links),
  );
  const grafanaUrl = `https://${hostsOf(values.domain).grafana}`;
  assert.ok(
    links.some(l => l.url === grafanaUrl),
    JSON.stringify(links),
  );
  const environment = await journey.entity(
    `component:voting-environments/${values.name}`,
  );
  assert.ok(
    environment.metadata.links?.some(l => l.url === grafanaUrl),
    `the environment's entity links to Grafana: ${JSON.stringify(
      environment.metadata.links,
    )}`,
  );
}

test('the create template with only the required values, through the REST API', async () => {
  const run = await create(requiredValues);
  await checkEnvironment(requiredValues, run);
}, 300_000);

test('the create template with other values: another region, NATS, a subdomain of the zone', async () => {
  const values = otherValues();
  const run = await create(values);
  await checkEnvironment(values, run);
}, 300_000);

/** Everything a run could have changed: the emulators' resources and each cluster's objects. */
async function snapshot() {
  const { digitalocean, cloudflare } = journey.cloud;
  const ids = (map: Map<string, unknown>) => [...map.keys()].sort();
  const clusters: Record<string, unknown> = {};
  for (const id of ids(digitalocean.clusters)) {
    const kc = await journey.kubeconfig(id);
    clusters[id] = {
      helm: Object.fromEntries(await helmReleases(kc)),
      objects: await resourceVersions(kc),
    };
  }
  return {
    digitalocean: {
      vpcs: ids(digitalocean.vpcs),
      clusters: ids(digitalocean.clusters),
      databases: ids(digitalocean.databases),
      loadBalancers: ids(digitalocean.loadBalancers),
      volumes: ids(digitalocean.volumes),
    },
    cloudflare: {
      records: ids(cloudflare.records),
      certificates: ids(cloudflare.certificates),
      ssl: [...cloudflare.zones.values()].map(z => z.settings.ssl),
    },
    clusters,
  };
}

/** What the deploy step applies, by apiVersion and kind. */
const VOTING_KINDS = [
  ['v1', 'Namespace'],
  ['v1', 'ConfigMap'],
  ['v1', 'Secret'],
  ['v1', 'Service'],
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'StatefulSet'],
  ['policy/v1', 'PodDisruptionBudget'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  ['traefik.io/v1alpha1', 'IngressRoute'],
  ['monitoring.coreos.com/v1', 'ServiceMonitor'],
  ['monitoring.coreos.com/v1', 'PrometheusRule'],
] as const;

/** resourceVersion of every object of the voting stack, by kind/namespace/name. */
async function resourceVersions(kc: KubeConfig) {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const versions: Record<string, string> = {};
  for (const [apiVersion, kind] of VOTING_KINDS) {
    // a kind whose definition Helm just installed answers 429 ("storage is (re)initializing")
    // until the API server has its cache of it: asked again, as the server says
    const list = await retry(
      () =>
        client.list(
          apiVersion,
          kind,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          'app.kubernetes.io/part-of=voting-app',
        ),
      {
        shouldRetry: error => (error as { code?: number }).code === 429,
        minDelayMs: 1_000,
        retries: 10,
      },
    );
    for (const item of list.items)
      versions[
        `${kind}/${item.metadata!.namespace ?? ''}/${item.metadata!.name}`
      ] = item.metadata!.resourceVersion!;
  }
  return versions;
}

/** The TLS Secret's resourceVersion, with the certificate and key the certificate step keeps in it. */
async function tlsSecretVersion(values: Values) {
  const { cluster } = digitalOceanResources(values);
  const secret = await (await journey.kubeconfig(cluster.id))
    .makeApiClient(CoreV1Api)
    .readNamespacedSecret({
      name: 'cloudflare-origin-tls',
      namespace: 'voting',
    });
  return secret.metadata!.resourceVersion;
}

/** Which certificates the Origin CA issued, and which of them are revoked. */
const certificateStates = () =>
  Object.fromEntries(
    [...journey.cloud.cloudflare.certificates.values()].map(c => [
      c.id,
      c.revoked ? 'revoked' : 'valid',
    ]),
  );

test('the same values again complete and create nothing at DigitalOcean or Cloudflare: no new certificate, the TLS Secret untouched', async () => {
  const before = await snapshot();
  const certificates = certificateStates();
  const secretVersion = await tlsSecretVersion(requiredValues);
  const run = await create(requiredValues);
  const after = await snapshot();
  assert.deepEqual(after.digitalocean, before.digitalocean);
  assert.deepEqual(after.cloudflare.records, before.cloudflare.records);
  assert.deepEqual(after.cloudflare.ssl, before.cloudflare.ssl);
  assert.deepEqual(certificateStates(), certificates);
  assert.equal(await tlsSecretVersion(requiredValues), secretVersion);
  // no Helm revision added, no object of the environment's cluster written again
  assert.deepEqual(after.clusters, before.clusters);
  assert.match(
    run.text,
    /Reusing Origin CA certificate \d+ for vote\.example\.com/,
  );
}, 300_000);

test("a fault mid-way (Cloudflare refuses the apps' DNS records) fails the task naming the step and the host; once it clears, a retry completes with one of each and says it reuses them", async () => {
  const values: Values = {
    ...requiredValues,
    name: 'journey-c',
    domain: 'retry.example.com',
    zone: pickZone('example.com'),
  };
  const hosts = hostsOf(values.domain);
  const { cloudflare } = journey.cloud;
  const fault = cloudflare.faults.add({
    operationId: 'dns-records-for-a-zone-create-dns-record',
    status: 400,
    code: 1004,
    message: 'DNS Validation Error',
    times: Infinity,
  });
  const tasks = scaffolderTasks(journey.api);
  let id: string;
  try {
    id = await tasks.start(TEMPLATE, values);
    assert.equal(await tasks.end(id, 300_000), 'failed');
  } finally {
    fault.remove();
  }
  const failure = (await tasks.events(id)).find(
    e => e.body.status === 'failed',
  );
  assert.equal(failure?.body.stepId, 'dnsVote', JSON.stringify(failure));
  assert.match(failure?.body.message ?? '', new RegExp(hosts.vote));
  assert.match(failure?.body.message ?? '', /DNS Validation Error/);

  const retried = await journey.api(`/api/scaffolder/v2/tasks/${id}/retry`, {
    method: 'POST',
    body: JSON.stringify({}),
  });
  assert.equal(retried.status, 201, await retried.clone().text());
  const status = await tasks.end(id, 300_000);
  const all = await tasks.events(id);
  const fromRetry = all.slice(all.findIndex(e => e.type === 'recovered'));
  const run = taskRun(
    status as TaskRun['status'],
    fromRetry.filter(e => e.type === 'log').map(e => e.body),
    fromRetry.find(e => e.type === 'completion')?.body.output ?? {},
    id,
  );
  runs.push(run);
  assert.equal(run.status, 'completed', run.text);
  const retryLog = run.text;
  // one of each, at both providers
  digitalOceanResources(values);
  for (const host of Object.values(hosts))
    assert.equal(
      [...cloudflare.records.values()].filter(r => r.name === host).length,
      1,
      host,
    );
  const hostnames = Object.values(hosts).sort().join();
  assert.equal(
    [...cloudflare.certificates.values()].filter(
      c => [...c.hostnames].sort().join() === hostnames && !c.revoked,
    ).length,
    1,
    'one valid certificate for the hosts',
  );
  // truthful logs: what the first try made is reused, only the records are new
  for (const reused of [
    `Reusing VPC "${values.name}-vpc"`,
    `Reusing cluster "${values.name}"`,
    `Reusing database cluster "${values.name}-db"`,
    `Reusing Origin CA certificate`,
    `Created A ${hosts.vote}`,
  ])
    assert.ok(retryLog.includes(reused), `${reused}\n---\n${retryLog}`);
  assert.doesNotMatch(
    retryLog,
    /Created (VPC|cluster|database cluster|Origin CA certificate) /,
    retryLog,
  );
  await assertServedNow(values.name, run);
}, 600_000);

describe('the scaffolder dry run of the create template', () => {
  /** Runs it, and checks that it changed nothing at the emulators nor in any cluster. */
  async function dryRun(values: Record<string, unknown>) {
    const { digitalocean, cloudflare } = journey.cloud;
    const writes = () =>
      [...digitalocean.requests, ...cloudflare.requests].filter(
        r => r.method !== 'GET',
      );
    const before = { writes: writes().length, state: await snapshot() };
    const run = await journey.createTask(TEMPLATE, values, { dryRun: true });
    runs.push(run);
    assert.deepEqual(writes().slice(before.writes), [], 'only reads');
    assert.deepEqual(await snapshot(), before.state);
    return run;
  }

  test('for a new environment changes nothing anywhere', async () => {
    await dryRun({ ...requiredValues, name: 'journey-new' });
  }, 120_000);

  test('for an existing environment changes nothing anywhere', async () => {
    await dryRun(otherValues());
  }, 120_000);
});

/** The checksum of the ConfigMap on each voting service's pod template. */
async function configChecksums(kc: KubeConfig) {
  const deployments = (
    await kc
      .makeApiClient(AppsV1Api)
      .listNamespacedDeployment({ namespace: 'voting' })
  ).items;
  return Object.fromEntries(
    deployments.map(d => [
      d.metadata!.name!,
      d.spec!.template.metadata?.annotations?.['checksum/config'],
    ]),
  );
}

test("the queue switched to NATS through the template: Redis pruned (its claim kept), every voting pod template's checksum changed", async () => {
  const { cluster } = digitalOceanResources(requiredValues);
  const kc = await journey.kubeconfig(cluster.id);
  const before = await configChecksums(kc);
  assert.deepEqual(Object.keys(before).sort(), ['result', 'vote', 'worker']);
  const run = await create({ ...requiredValues, queue: 'nats' });

  const namespace = 'voting';
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const statefulSets = (await apps.listNamespacedStatefulSet({ namespace }))
    .items;
  assert.deepEqual(
    statefulSets.map(s => s.metadata!.name),
    ['nats'],
    'NATS, and Redis no more',
  );
  assert.equal(statefulSets[0]!.status?.readyReplicas, 3);
  const services = (await core.listNamespacedService({ namespace })).items.map(
    s => s.metadata!.name,
  );
  assert.ok(!services.includes('redis'), services.join());
  assert.ok(services.includes('nats'), services.join());
  const budgets = (
    await kc
      .makeApiClient(PolicyV1Api)
      .listNamespacedPodDisruptionBudget({ namespace })
  ).items.map(b => b.metadata!.name);
  assert.ok(!budgets.includes('redis'), budgets.join());
  // Redis's volume holds its data (votes it accepted and the worker had not stored): kept, named
  const claims = (
    await core.listNamespacedPersistentVolumeClaim({ namespace })
  ).items.map(c => c.metadata!.name);
  assert.ok(claims.includes('data-redis-0'), claims.join());
  assert.match(
    run.text,
    /PersistentVolumeClaim\/voting\/data-redis-0 kept: it holds the data of a queue/,
  );
  const config = await core.readNamespacedConfigMap({
    name: 'voting-config',
    namespace,
  });
  assert.equal(config.data?.QUEUE_BACKEND, 'nats');

  const after = await configChecksums(kc);
  for (const [name, checksum] of Object.entries(before)) {
    assert.match(after[name] ?? '', /^[0-9a-f]{64}$/, name);
    assert.notEqual(after[name], checksum, `${name}'s pods rolled`);
  }
}, 300_000);

describe('the teardown template', () => {
  const TEARDOWN = 'template:default/voting-platform-teardown';
  // the zone's id is the emulator's: known once the journey started
  let values: Values;
  beforeAll(() => {
    values = otherValues();
  });
  const teardown = async () => {
    const run = await journey.createTask(TEARDOWN, {
      name: values.name,
      confirmName: values.name,
      domain: values.domain,
      // what the create was given: the VotingCloudflareZone field's value
      zone: values.zone,
    });
    runs.push(run);
    assert.equal(run.status, 'completed', run.text);
    return run;
  };
  const hosts = () =>
    ['grafana', 'result', 'vote'].map(app => `${app}.${values.domain}`);
  const certificatesOf = () =>
    [...journey.cloud.cloudflare.certificates.values()].filter(
      c => [...c.hostnames].sort().join() === hosts().join(),
    );
  const clusterState = async (id: string) =>
    (
      (await journey.cloud.api('GET', '/kubernetes/clusters?per_page=200'))
        .kubernetes_clusters as Array<{ id: string; status: { state: string } }>
    ).find(c => c.id === id)?.status.state ?? 'gone';

  test('removes what the create made, in the cluster first, revokes its certificates, and its entities leave the catalog', async () => {
    const { digitalocean, cloudflare } = journey.cloud;
    const { cluster, database } = digitalOceanResources(values);
    assert.ok(
      certificatesOf().some(c => !c.revoked),
      'a valid certificate',
    );
    await journey.entity(`component:voting-environments/${values.name}`);

    const run = await teardown();
    // inside the cluster before the cluster: the voting namespace (the TLS Secret with the key),
    // the Helm releases (Traefik's load balancer) and their namespaces
    for (const line of [
      `Deleted namespace voting of cluster "${values.name}"`,
      `Deleted Helm release traefik/traefik`,
      `Deleted namespace traefik of cluster "${values.name}"`,
      `Deleted Helm release monitoring/kube-prometheus-stack`,
      `Deleted namespace monitoring of cluster "${values.name}"`,
    ])
      assert.ok(run.text.includes(line), `${line}:\n${run.text}`);
    assert.ok(
      run.text.indexOf('Deleted namespace voting') <
        run.text.indexOf(`Deleting cluster "${values.name}"`),
    );
    assert.deepEqual(
      [...digitalocean.loadBalancers.values()].filter(
        lb => lb.clusterId === cluster.id,
      ),
      [],
    );
    assert.deepEqual(
      [...digitalocean.volumes.values()].filter(
        v => v.clusterId === cluster.id,
      ),
      [],
    );
    assert.ok(['deleting', 'gone'].includes(await clusterState(cluster.id)));
    assert.ok(!digitalocean.databases.has(database.id), 'database deleted');
    assert.deepEqual(
      [...cloudflare.records.values()].filter(r => hosts().includes(r.name)),
      [],
    );
    assert.ok(certificatesOf().length > 0);
    assert.deepEqual(
      certificatesOf().filter(c => !c.revoked),
      [],
      'every certificate for the hosts revoked',
    );
    // what stays, and why
    assert.match(run.text, /Left in place on purpose: the VPC "journey-b-vpc"/);
    assert.match(run.text, /SSL mode of the Cloudflare zone "example.com"/);
    // the unregister step waited: the environment's entities are gone from the catalog as the
    // task ends
    assert.equal(await servedNow(values.name), undefined);
    const left = await journey.api(
      `/api/catalog/entities/by-query?filter=metadata.annotations.voting-platform.io/environment=${values.name}`,
    );
    assert.deepEqual(((await left.json()) as { items: unknown[] }).items, []);
    // the other environment is untouched
    digitalOceanResources(requiredValues);
  }, 300_000);

  test('a second teardown succeeds with nothing to delete', async () => {
    const requests = () =>
      [
        ...journey.cloud.digitalocean.requests,
        ...journey.cloud.cloudflare.requests,
      ].filter(r => r.method !== 'GET').length;
    const writes = requests();
    const run = await teardown();
    assert.equal(requests(), writes, 'no writes at the providers');
    // the cluster is gone, or still being deleted: either way nothing is left to delete in it
    const noCluster = `(No cluster "${values.name}"|The cluster "${values.name}" is being deleted)`;
    for (const step of [
      /No records of vote\.polls\.example\.com: nothing to delete/,
      new RegExp(`${noCluster}: no namespace voting to delete`),
      new RegExp(`${noCluster}: no Helm release traefik/traefik to delete`),
      /No valid Origin CA certificate for vote\.polls\.example\.com, result\.polls\.example\.com, grafana\.polls\.example\.com: nothing to revoke/,
      new RegExp(`${noCluster}(: nothing to delete| already)`),
      new RegExp(`No database cluster "${values.name}-db": nothing to delete`),
    ])
      assert.match(run.text, step);
  }, 120_000);
});

test('no token, password, private key or kubeconfig in task logs, outputs, entities or logs', async () => {
  const { digitalocean, cloudflare } = journey.cloud;
  const secrets = [
    digitalocean.token,
    cloudflare.token,
    journey.userToken,
    // kubeconfig tokens and database passwords the emulator handed out
    ...digitalocean.secrets(),
  ];
  assert.ok(digitalocean.secrets().length >= 4, 'the scan knows the secrets');
  const entities = (await (
    await journey.api(
      '/api/catalog/entities/by-query?filter=metadata.namespace=voting-environments&limit=200',
    )
  ).json()) as { items: unknown[] };
  // the entities of the environment the teardown left (the other one's left the catalog)
  assert.ok(entities.items.length >= 5, `entities: ${entities.items.length}`);
  const { backend, sandbox } = journey.logs();
  const places = {
    'task logs': runs.map(r => r.text).join('\n'),
    'task outputs': JSON.stringify(runs.map(r => r.output)),
    entities: JSON.stringify(entities.items),
    "the backend's log": backend,
    "the sandbox's log": sandbox,
  };
  for (const [place, text] of Object.entries(places)) {
    for (const secret of secrets)
      assert.ok(
        !text.includes(secret),
        `${place} hold a secret (${secret.slice(0, 4)}…)`,
      );
    for (const marker of [
      /PRIVATE KEY/,
      /client-key-data/,
      /\btoken:\s*\S{16,}/,
    ])
      assert.doesNotMatch(text, marker, place);
  }
});

// ── issue 11's items 2 (dry runs) and 5 (the app's own database user) ───────────────────────

test('the dry runs complete, for a new and for an existing environment', () => {
  const dryRuns = runs.filter(r => r.id === undefined);
  assert.equal(dryRuns.length, 2);
  for (const run of dryRuns) assert.equal(run.status, 'completed', run.text);
});

test("the app connects as the database's app user through its pool, not as the admin", async () => {
  const { cluster, database } = digitalOceanResources(requiredValues);
  const kc = await journey.kubeconfig(cluster.id);
  const secret = await kc
    .makeApiClient(CoreV1Api)
    .readNamespacedSecret({ name: 'voting-secrets', namespace: 'voting' });
  const url = new URL(
    Buffer.from(secret.data!.POSTGRES_URL!, 'base64').toString('utf8'),
  );
  const pool = await journey.cloud.api(
    'GET',
    `/databases/${database.id}/pools/votes`,
  );
  const poolUrl = new URL(pool.pool.connection.uri);
  // compared without printing a password
  assert.deepEqual(
    { user: url.username, host: url.host, database: url.pathname },
    {
      user: poolUrl.username,
      host: poolUrl.host,
      database: poolUrl.pathname,
    },
  );
  assert.ok(url.password === poolUrl.password, "the pool user's password");
  assert.equal(pool.pool.user, 'voting');
});
