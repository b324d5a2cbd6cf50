/**
 * Sandbox mode's clusters, on real local control planes: each emulated cluster's kubeconfig logs
 * in (its CA, a real token); two clusters are isolated; a deleted cluster's control plane stops and
 * a cluster re-created under the same name starts empty; a LoadBalancer Service appears as a
 * DigitalOcean load balancer and goes with the Service or the cluster, a claim as a volume; the
 * stand-in charts, from the sandbox's Helm repository, install their CRDs; the stand-in
 * kube-prometheus-stack's Prometheus answers its alerts query through the API server's service
 * proxy (Watchdog, and what the cluster's alerts file adds). Prints the memory each cluster holds.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
} from '@kubernetes/client-node';
import { helmBinary } from '@voting-platform/local-kubernetes';
import {
  clusterSpec,
  eventually,
  startTestCloud,
  type TestCloud,
} from './helpers.js';

const execFileAsync = promisify(execFile);

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await startTestCloud({
    controlPlane: () => 'ready',
    helm: helmBinary(),
  });
});
afterAll(() => cloud?.remove());

async function create(name: string): Promise<string> {
  const { kubernetes_cluster } = await cloud.api(
    'POST',
    '/kubernetes/clusters',
    clusterSpec(name),
  );
  await cloud.waitCluster(kubernetes_cluster.id, 'running');
  return kubernetes_cluster.id;
}

/** A client logged in with the kubeconfig the DigitalOcean API serves (TLS verified). */
async function connect(id: string): Promise<CoreV1Api> {
  const yaml = await cloud.api('GET', `/kubernetes/clusters/${id}/kubeconfig`);
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  assert.equal(kc.getCurrentCluster()?.skipTLSVerify ?? false, false);
  assert.ok(
    kc.getCurrentUser()?.token,
    'a token kubeconfig, as DigitalOcean serves',
  );
  return kc.makeApiClient(CoreV1Api);
}

const info = () =>
  JSON.parse(readFileSync(join(cloud.cache, 'sandbox.json'), 'utf8'));

const configMap = (name: string) => ({
  metadata: { name, namespace: 'default' },
  data: { owner: name },
});

describe('one local control plane per emulated cluster', () => {
  let a: string;
  let b: string;

  test('the served kubeconfig logs in with the cluster CA and a real token; credentials too', async () => {
    a = await create('env-a');
    const core = await connect(a);
    const namespaces = await core.listNamespace();
    assert.ok(namespaces.items.some(n => n.metadata?.name === 'kube-system'));
    const nodes = await core.listNode();
    assert.equal(nodes.items.length, 3, 'one node per node of its pool');
    const creds = await cloud.api(
      'GET',
      `/kubernetes/clusters/${a}/credentials`,
    );
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      {
        name: 'c',
        server: creds.server,
        caData: creds.certificate_authority_data,
        skipTLSVerify: false,
      },
      { name: 'u', token: creds.token },
    );
    await kc.makeApiClient(CoreV1Api).listNamespace();
    // a wrong token does not log in: the server checks it
    kc.loadFromClusterAndUser(
      {
        name: 'c',
        server: creds.server,
        caData: creds.certificate_authority_data,
        skipTLSVerify: false,
      },
      { name: 'u', token: `${creds.token.slice(0, -4)}AAAA` },
    );
    await assert.rejects(kc.makeApiClient(CoreV1Api).listNamespace(), /401/);
    assert.equal(info().clusters[a], cloud.clusters.kubeconfigs()[a]);
    assert.ok(existsSync(info().clusters[a]));
  });

  test('two clusters are isolated: what one holds, the other does not', async () => {
    b = await create('env-b');
    const [coreA, coreB] = await Promise.all([connect(a), connect(b)]);
    await coreA.createNamespacedConfigMap({
      namespace: 'default',
      body: configMap('only-in-a'),
    });
    await coreB.createNamespacedConfigMap({
      namespace: 'default',
      body: configMap('only-in-b'),
    });
    const names = async (core: CoreV1Api) =>
      (await core.listNamespacedConfigMap({ namespace: 'default' })).items.map(
        c => c.metadata?.name,
      );
    assert.ok((await names(coreA)).includes('only-in-a'));
    assert.ok(!(await names(coreA)).includes('only-in-b'));
    assert.ok(!(await names(coreB)).includes('only-in-a'));
    const { server: serverA } = await cloud.api(
      'GET',
      `/kubernetes/clusters/${a}/credentials`,
    );
    const { server: serverB } = await cloud.api(
      'GET',
      `/kubernetes/clusters/${b}/credentials`,
    );
    assert.notEqual(serverA, serverB);
    const memory = cloud.clusters.memoryKb();
    console.log(
      `memory per emulated cluster (control plane RSS): ${Object.values(memory)
        .map(kb => `${Math.round(kb / 1024)} MB`)
        .join(', ')}`,
    );
  });

  test('a LoadBalancer Service appears as a DigitalOcean load balancer (name, address) and goes with it', async () => {
    const core = await connect(a);
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: {
          name: 'traefik',
          annotations: {
            'service.beta.kubernetes.io/do-loadbalancer-name': 'env-a-traefik',
          },
        },
        spec: {
          type: 'LoadBalancer',
          selector: { app: 'traefik' },
          ports: [{ name: 'web', port: 80 }],
        },
      },
    });
    const address = await eventually(
      'the Service gets an address',
      async () =>
        (
          await core.readNamespacedService({
            name: 'traefik',
            namespace: 'default',
          })
        ).status?.loadBalancer?.ingress?.[0]?.ip,
    );
    const lb = await eventually(
      'the load balancer appears in the DigitalOcean API',
      async () =>
        (
          await cloud.api('GET', '/load_balancers')
        ).load_balancers.find((l: any) => l.name === 'env-a-traefik'),
    );
    assert.equal(lb.ip, address);
    assert.equal(lb.tag, `k8s:${a}`);
    const associated = await cloud.api(
      'GET',
      `/kubernetes/clusters/${a}/destroy_with_associated_resources`,
    );
    assert.deepEqual(
      associated.load_balancers.map((l: any) => l.name),
      ['env-a-traefik'],
    );
    await core.deleteNamespacedService({
      name: 'traefik',
      namespace: 'default',
    });
    await eventually(
      'the load balancer goes with its Service',
      async () =>
        !(
          await cloud.api('GET', '/load_balancers')
        ).load_balancers.some((l: any) => l.name === 'env-a-traefik') ||
        undefined,
    );
  });

  test('a claim of do-block-storage (the default class) is bound to a volume that the DigitalOcean API lists, and goes with it', async () => {
    const core = await connect(a);
    await core.createNamespacedPersistentVolumeClaim({
      namespace: 'default',
      body: {
        metadata: { name: 'data' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '5Gi' } },
        },
      },
    });
    const claim = await eventually('the claim is bound', async () => {
      const pvc = await core.readNamespacedPersistentVolumeClaim({
        name: 'data',
        namespace: 'default',
      });
      return pvc.status?.phase === 'Bound' ? pvc : undefined;
    });
    assert.equal(claim.spec?.storageClassName, 'do-block-storage');
    const volumes = async () =>
      (
        await cloud.api(
          'GET',
          `/kubernetes/clusters/${a}/destroy_with_associated_resources`,
        )
      ).volumes.map((v: any) => v.name);
    assert.deepEqual(await volumes(), [claim.spec?.volumeName]);
    await core.deleteNamespacedPersistentVolumeClaim({
      name: 'data',
      namespace: 'default',
    });
    await eventually(
      'the volume goes with its claim',
      async () => (await volumes()).length === 0 || undefined,
    );
  });

  test('the stand-in charts from the sandbox Helm repository install the CRDs the real ones do', async () => {
    const kubeconfig = cloud.clusters.kubeconfigs()[b]!;
    const config = readFileSync(cloud.backendConfig, 'utf8');
    const repository = config.match(/repository: (\S+)/)?.[1];
    assert.ok(repository, config);
    for (const [chart, version, namespace] of [
      ['traefik', '37.0.0', 'traefik'],
      ['kube-prometheus-stack', '77.0.0', 'monitoring'],
    ] as const) {
      // not spawnSync: the repository is served by this very process
      await execFileAsync(
        helmBinary(),
        [
          'install',
          chart,
          chart,
          '--repo',
          repository,
          '--version',
          version,
          '--namespace',
          namespace,
          '--create-namespace',
        ],
        { env: { ...process.env, KUBECONFIG: kubeconfig } },
      );
    }
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const crds = (
      await kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition()
    ).items.map(c => c.metadata?.name);
    for (const name of [
      'ingressroutes.traefik.io',
      'servicemonitors.monitoring.coreos.com',
      'podmonitors.monitoring.coreos.com',
      'prometheusrules.monitoring.coreos.com',
    ])
      assert.ok(crds.includes(name), `${name} in ${crds.join(', ')}`);
  });

  test("the stand-in kube-prometheus-stack's Prometheus Service answers the alerts query through the service proxy: Watchdog, then an alert of the cluster's alerts file", async () => {
    // installed by the test above, in namespace monitoring, release kube-prometheus-stack
    const kc = new KubeConfig();
    kc.loadFromString(
      await cloud.api('GET', `/kubernetes/clusters/${b}/kubeconfig`),
    );
    const core = kc.makeApiClient(CoreV1Api);
    const [service] = (
      await core.listNamespacedService({
        namespace: 'monitoring',
        labelSelector: 'app=kube-prometheus-stack-prometheus,release',
      })
    ).items;
    assert.equal(service?.metadata?.name, 'kube-prometheus-stack-prometheus');
    assert.deepEqual(
      service.spec?.ports?.map(p => [p.name, p.port]),
      [
        ['http-web', 9090],
        ['reloader-web', 8080],
      ],
    );
    // client-node hands the JSON answer back parsed
    const alerts = (): Promise<any> =>
      core.connectGetNamespacedServiceProxyWithPath({
        name: 'kube-prometheus-stack-prometheus:http-web',
        namespace: 'monitoring',
        path: 'api/v1/alerts',
      });
    const answer = await eventually(
      'the service proxy reaches the Prometheus stand-in',
      () => alerts().catch(() => undefined),
    );
    const firing = (answer: any) =>
      answer.data.alerts.map((a: any) => `${a.labels.alertname} ${a.state}`);
    assert.equal(answer.status, 'success');
    assert.deepEqual(firing(answer), ['Watchdog firing']);
    writeFileSync(
      cloud.clusters.alertsFile(b),
      JSON.stringify([
        {
          labels: {
            alertname: 'KubePodCrashLooping',
            severity: 'critical',
            namespace: 'voting',
          },
          annotations: { summary: 'vote is crash looping' },
        },
      ]),
    );
    const injected = await alerts();
    assert.deepEqual(firing(injected), [
      'Watchdog firing',
      'KubePodCrashLooping firing',
    ]);
    assert.equal(
      injected.data.alerts[1].annotations.summary,
      'vote is crash looping',
    );
    assert.equal(info().alertFiles[b], cloud.clusters.alertsFile(b));
    // a file that is no list of alerts: Prometheus' error envelope, naming the file
    writeFileSync(cloud.clusters.alertsFile(b), '{"labels": {}}');
    await assert.rejects(alerts(), (error: any) => {
      assert.match(String(error.body ?? error.message), /must be a JSON array/);
      return true;
    });
    writeFileSync(cloud.clusters.alertsFile(b), '[]');
    assert.deepEqual(firing(await alerts()), ['Watchdog firing']);
    // the other cluster's Prometheus (none installed there) is not touched
    assert.equal(existsSync(cloud.clusters.alertsFile(a)), false);
  });

  test('a deleted cluster takes its control plane with it; re-created under its name it starts empty; the other is untouched', async () => {
    const before = cloud.clusters.kubeconfigs()[a]!;
    await cloud.api(
      'DELETE',
      `/kubernetes/clusters/${a}/destroy_with_associated_resources/dangerous`,
    );
    await eventually(
      "the deleted cluster's control plane stops",
      () => !existsSync(before) || undefined,
    );
    assert.equal(info().clusters[a], undefined);
    await eventually(
      'the deleted cluster is gone',
      async () =>
        !(
          await cloud.api('GET', '/kubernetes/clusters')
        ).kubernetes_clusters.some((c: any) => c.name === 'env-a') || undefined,
    );
    const again = await create('env-a');
    assert.notEqual(again, a);
    const maps = await (
      await connect(again)
    ).listNamespacedConfigMap({ namespace: 'default' });
    assert.ok(!maps.items.some(c => c.metadata?.name === 'only-in-a'));
    const other = await (
      await connect(b)
    ).listNamespacedConfigMap({ namespace: 'default' });
    assert.ok(other.items.some(c => c.metadata?.name === 'only-in-b'));
  });
});
