/**
 * The create template through the scaffolder's dry-run API of a real portal backend, for an
 * environment whose VPC, cluster (a local control plane) and database already exist in sandbox
 * mode: every step runs (the cluster and database are read, the Helm releases and the voting stack
 * checked against the cluster's API server, the TLS files the certificate step's dry run never
 * wrote are not read) and nothing changes anywhere.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { helmBinary } from '@voting-platform/local-kubernetes';
import { parse as parseYaml } from 'yaml';
import { ensureFrontendBuilt } from '../../scripts/lib/portal.js';
import { startPortalBackend, type PortalBackend } from '../support/backend.js';
import { freePort } from '../support/ports.js';
import {
  clusterSpec,
  eventually,
  repoRoot,
  startTestCloud,
  type TestCloud,
} from './helpers.js';

const token = randomBytes(24).toString('hex');
let cloud: TestCloud;
let backend: PortalBackend;
let baseUrl: string;
let clusterId: string;

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
  writeFileSync(
    config,
    JSON.stringify({
      app: { baseUrl },
      backend: {
        baseUrl,
        listen: { port, host: '127.0.0.1' },
        cors: { origin: baseUrl },
      },
    }),
  );
  await build;
  backend = await startPortalBackend(baseUrl, {
    configs: [cloud.backendConfig, config],
    env: { BACKSTAGE_SCRIPT_TOKEN: token },
  });
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
  const response = await fetch(`${baseUrl}/api/scaffolder/v2/dry-run`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
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
    'which an earlier step writes in a real run',
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
