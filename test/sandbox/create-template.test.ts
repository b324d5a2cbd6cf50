/**
 * The create template's steps through a real portal backend in sandbox mode:
 * - its dry run for an environment whose VPC, cluster (a local control plane) and database already
 *   exist: every step runs (the cluster and database are read, the Helm releases and the voting
 *   stack checked against the cluster's API server, the TLS files the certificate step's dry run
 *   never wrote are not read) and nothing changes anywhere;
 * - a fault mid-way: the database never comes online, the task fails naming the step and the
 *   database; once the fault clears, a retry of the task completes with exactly one of each
 *   resource and says it reuses what the first attempt created.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { helmBinary } from '@voting-platform/local-kubernetes';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ensureFrontendBuilt } from '../../scripts/lib/portal.js';
import { startPortalBackend, type PortalBackend } from '../support/backend.js';
import { freePort } from '../support/ports.js';
import { scaffolderTasks } from '../support/tasks.js';
import {
  clusterSpec,
  eventually,
  repoRoot,
  startTestCloud,
  type TestCloud,
} from './helpers.js';

const token = randomBytes(24).toString('hex');

/**
 * The create template's first three steps as it writes them, with a database that may take one
 * minute to come online (the create template waits 30).
 */
const NETWORK_CLUSTER_DATABASE = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'network-cluster-database' },
  spec: {
    owner: 'group:default/platform-team',
    type: 'service',
    parameters: [],
    steps: [
      {
        id: 'vpc',
        name: 'Network (VPC)',
        action: 'digitalocean:vpc:ensure',
        input: { name: 'faulty-vpc', region: 'fra1' },
      },
      {
        id: 'cluster',
        name: 'Kubernetes cluster',
        action: 'digitalocean:kubernetes:ensure',
        input: {
          name: 'faulty',
          region: 'fra1',
          vpcId: '${{ steps.vpc.output.vpcId }}',
          nodePool: { size: 's-2vcpu-4gb', count: 1 },
        },
      },
      {
        id: 'database',
        name: 'PostgreSQL',
        action: 'digitalocean:database:ensure',
        input: {
          name: 'faulty-db',
          region: 'fra1',
          kubernetesClusterId: '${{ steps.cluster.output.clusterId }}',
          database: 'votes',
          user: 'voting',
          timeoutMinutes: 1,
        },
      },
    ],
  },
};
let cloud: TestCloud;
let backend: PortalBackend;
let baseUrl: string;
let clusterId: string;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${baseUrl}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
  });
const tasks = scaffolderTasks(api);

beforeAll(async () => {
  const build = ensureFrontendBuilt(message => console.log(`# ${message}`));
  cloud = await startTestCloud({
    controlPlane: () => 'ready',
    helm: helmBinary(),
  });
  // the environment "existing": its VPC, cluster and database, as a create task left them
  const { vpc } = await cloud.api('POST', '/vpcs', {
    name: 'existing-vpc',
    region: 'fra1',
  });
  const { kubernetes_cluster } = await cloud.api(
    'POST',
    '/kubernetes/clusters',
    {
      ...clusterSpec('existing'),
      region: 'fra1',
      vpc_uuid: vpc.id,
      ha: true,
      node_pools: [
        {
          name: 'default',
          size: 's-2vcpu-4gb',
          count: 3,
          auto_scale: true,
          min_nodes: 3,
          max_nodes: 5,
        },
      ],
    },
  );
  clusterId = kubernetes_cluster.id;
  await cloud.waitCluster(clusterId, 'running');
  const { database } = await cloud.api('POST', '/databases', {
    name: 'existing-db',
    engine: 'pg',
    version: '17',
    region: 'fra1',
    size: 'db-s-1vcpu-2gb',
    num_nodes: 2,
    private_network_uuid: vpc.id,
  });
  await eventually('the database to be online', async () => {
    const got = (await cloud.api('GET', `/databases/${database.id}`)).database;
    return got.status === 'online' ? got : undefined;
  });

  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const config = join(cloud.cache, 'app-config.test.yaml');
  const faultTemplate = join(cloud.cache, 'network-cluster-database.yaml');
  writeFileSync(faultTemplate, stringifyYaml(NETWORK_CLUSTER_DATABASE));
  writeFileSync(
    config,
    JSON.stringify({
      app: { baseUrl },
      backend: {
        baseUrl,
        listen: { port, host: '127.0.0.1' },
        cors: { origin: baseUrl },
      },
      catalog: {
        locations: [
          { type: 'file', target: join(repoRoot, 'catalog-info.yaml') },
          { type: 'file', target: faultTemplate },
        ],
      },
    }),
  );
  await build;
  backend = await startPortalBackend(baseUrl, {
    configs: [cloud.backendConfig, config],
    env: { BACKSTAGE_SCRIPT_TOKEN: token },
  });
  // the catalog reads its locations after start-up: the tests start once both templates are in
  await eventually(
    'the catalog to serve both templates',
    async () => {
      const served = await Promise.all(
        ['voting-platform', 'network-cluster-database'].map(name =>
          api(`/api/catalog/entities/by-name/template/default/${name}`),
        ),
      );
      return served.every(r => r.ok) || undefined;
    },
    60_000,
  );
});

afterAll(async () => {
  await backend?.stop();
  await cloud?.remove();
});

/** The namespaces of the environment's cluster and their resourceVersions. */
async function namespaces(): Promise<Record<string, string>> {
  const kubeconfig = await cloud.api(
    'GET',
    `/kubernetes/clusters/${clusterId}/kubeconfig`,
  );
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const list = await kc.makeApiClient(CoreV1Api).listNamespace();
  return Object.fromEntries(
    list.items.map(n => [n.metadata!.name!, n.metadata!.resourceVersion!]),
  );
}

test('the create template in a dry run for an existing environment completes and changes nothing', async () => {
  const template = parseYaml(
    readFileSync(
      join(repoRoot, 'templates/voting-platform/template.yaml'),
      'utf8',
    ),
  );
  const before = {
    digitalocean: cloud.digitalocean.requests.length,
    cloudflare: cloud.cloudflare.requests.length,
    namespaces: await namespaces(),
  };
  const response = await api('/api/scaffolder/v2/dry-run', {
    method: 'POST',
    body: JSON.stringify({
      template,
      // every value the form would send (its defaults included)
      values: {
        owner: 'group:default/platform-team',
        name: 'existing',
        region: 'fra1',
        nodeSize: 's-2vcpu-4gb',
        nodeCount: 3,
        autoScaleMax: 5,
        highAvailability: true,
        databaseSize: 'db-s-1vcpu-2gb',
        databaseNodes: 2,
        domain: 'example.com',
        imageRepository: 'registry.example.com/acme',
        imageTag: 'latest',
        question: 'Cats or dogs?',
        optionA: 'Cats',
        optionB: 'Dogs',
        queue: 'redis',
      },
      directoryContents: [],
    }),
  });
  const body = (await response.json()) as {
    log: Array<{ body: { message: string; stepId?: string; status?: string } }>;
  };
  assert.equal(response.status, 200, JSON.stringify(body).slice(0, 3000));
  const messages = body.log.map(entry => entry.body.message).join('\n');
  const finished = body.log
    .filter(entry => entry.body.status === 'completed')
    .map(entry => entry.body.stepId);
  assert.deepEqual(
    [...new Set(finished)],
    (template.spec.steps as Array<{ id: string }>).map(step => step.id),
    messages,
  );
  assert.doesNotMatch(
    messages,
    /error|failed|Skipping (because|step)/i,
    messages,
  );
  for (const expected of [
    'Dry run: would reuse VPC "existing-vpc"',
    `Dry run: would reuse cluster "existing" (${clusterId}, running)`,
    'Dry run: would reuse database cluster "existing-db"',
    'would create Secret voting/cloudflare-origin-tls with a new Origin CA certificate',
    'has no pool "votes" yet; the database step would create it',
    'the API server accepts',
  ])
    assert.ok(messages.includes(expected), `${expected}\n---\n${messages}`);
  const writes = [
    ...cloud.digitalocean.requests.slice(before.digitalocean),
    ...cloud.cloudflare.requests.slice(before.cloudflare),
  ].filter(r => r.method !== 'GET');
  assert.deepEqual(
    writes,
    [],
    'nothing but reads at DigitalOcean and Cloudflare',
  );
  assert.deepEqual(
    await namespaces(),
    before.namespaces,
    'nothing in the cluster',
  );
});

test('a database that never comes online fails the task naming the step and the database; after the fault clears, a retry completes with one of each and says it reuses them', async () => {
  const { digitalocean } = cloud;
  const named = (map: Map<string, { name: string }>, name: string) =>
    [...map.values()].filter(r => r.name === name);
  digitalocean.holdDatabase('faulty-db');
  const id = await tasks.start('template:default/network-cluster-database', {});
  assert.equal(await tasks.end(id, 180_000), 'failed');
  const first = await tasks.events(id);
  const failure = first.find(e => e.body.status === 'failed');
  assert.equal(failure?.body.stepId, 'database');
  assert.match(
    failure?.body.message ?? '',
    /database cluster "faulty-db" did not become online within 1m00s \(last state: creating\)/,
  );

  digitalocean.holdDatabase('faulty-db', false);
  const retried = await api(`/api/scaffolder/v2/tasks/${id}/retry`, {
    method: 'POST',
    body: JSON.stringify({}),
  });
  assert.equal(retried.status, 201, await retried.clone().text());
  assert.equal(await tasks.end(id, 180_000), 'completed');
  const all = await tasks.events(id);
  const retry = all
    .slice(all.findIndex(e => e.type === 'recovered'))
    .map(e => e.body.message ?? '')
    .join('\n');
  assert.equal(named(digitalocean.vpcs, 'faulty-vpc').length, 1);
  assert.equal(named(digitalocean.clusters, 'faulty').length, 1);
  assert.equal(named(digitalocean.databases, 'faulty-db').length, 1);
  for (const reused of [
    'Reusing VPC "faulty-vpc"',
    'Reusing cluster "faulty"',
    'Reusing database cluster "faulty-db"',
  ])
    assert.ok(retry.includes(reused), `${reused}\n---\n${retry}`);
  assert.doesNotMatch(retry, /Created (VPC|cluster|database cluster) /, retry);
});
