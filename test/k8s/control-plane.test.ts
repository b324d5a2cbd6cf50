/**
 * Smoke test of the local control plane (packages/local-kubernetes/src/controlPlane.ts): real kube-apiserver,
 * controllers, scheduler and kwok nodes; @kubernetes/client-node and the pinned Helm against it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type V1Deployment,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import {
  helmBinary,
  startControlPlane,
  versions,
  type ControlPlane,
} from '@voting-platform/local-kubernetes';
import { waitUntil } from '@voting-platform/timing';

const chart = join(import.meta.dirname, 'charts', 'probe');

function eventually<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  return waitUntil(check, {
    timeoutMs,
    intervalMs: 250,
    ignoreErrors: true,
    timeoutMessage: (_, last) =>
      `${what}: not within ${timeoutMs / 1000} s${
        last ? ` (last error: ${String(last)})` : ''
      }`,
  });
}

const isReady = (pod: V1Pod) =>
  pod.status?.phase === 'Running' &&
  (pod.status.conditions ?? []).some(
    c => c.type === 'Ready' && c.status === 'True',
  );

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local Kubernetes control plane', () => {
  let cp: ControlPlane;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let objects: KubernetesObjectApi;

  beforeAll(async () => {
    cp = await startControlPlane();
    console.log(
      `# control plane ${versions.K8S_VERSION} ready at ${
        cp.server
      } in ${cp.startupSeconds.toFixed(1)} s`,
    );
    const kc = new KubeConfig();
    kc.loadFromString(cp.kubeconfigYaml);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    objects = KubernetesObjectApi.makeApiClient(kc);
  });

  afterAll(async () => {
    if (!cp) return;
    const pids = Object.values(cp.pids);
    const stopping = Date.now();
    await cp.stop();
    console.log(
      `# control plane stopped in ${((Date.now() - stopping) / 1000).toFixed(
        1,
      )} s`,
    );
    // Stopped cleanly: no component left running, temp dir gone.
    assert.deepEqual(
      pids.filter(alive),
      [],
      'no control-plane process is left running',
    );
    assert.equal(existsSync(cp.dir), false, 'the temp dir is removed');
  });

  test('serves the pinned Kubernetes version over TLS with the generated admin kubeconfig', async () => {
    assert.match(cp.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    const { status, body } = await cp.api('GET', '/version');
    assert.equal(status, 200);
    assert.equal(body.gitVersion, versions.K8S_VERSION);
    assert.match(cp.kubeconfigYaml, /certificate-authority-data:/);
    assert.doesNotMatch(cp.kubeconfigYaml, /insecure-skip-tls-verify/);
  });

  test('a Deployment gets Ready pods on kwok nodes and a LoadBalancer Service gets an address', async () => {
    const namespace = 'smoke';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const labels = { app: 'vote' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'vote', labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'vote',
                  image: 'registry.invalid/voting/vote:1',
                  ports: [{ containerPort: 80 }],
                },
              ],
            },
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'vote' },
        spec: {
          type: 'LoadBalancer',
          selector: labels,
          ports: [{ port: 80, targetPort: 80 }],
        },
      },
    });

    const pods = await eventually('2 Ready pods', 60_000, async () => {
      const list = await core.listNamespacedPod({
        namespace,
        labelSelector: 'app=vote',
      });
      const ready = list.items.filter(isReady);
      return ready.length === 2 ? ready : undefined;
    });
    for (const pod of pods)
      assert.ok(
        cp.nodes.includes(pod.spec?.nodeName ?? ''),
        `pod on a kwok node: ${pod.spec?.nodeName}`,
      );
    const deployment = await eventually(
      'Deployment available',
      30_000,
      async () => {
        const d = await apps.readNamespacedDeployment({
          namespace,
          name: 'vote',
        });
        return d.status?.availableReplicas === 2 ? d : undefined;
      },
    );
    assert.equal(deployment.status?.readyReplicas, 2);
    const replicaSets = await apps.listNamespacedReplicaSet({ namespace });
    assert.equal(replicaSets.items.length, 1);

    const service: V1Service = await eventually(
      'LoadBalancer address',
      30_000,
      async () => {
        const s = await core.readNamespacedService({ namespace, name: 'vote' });
        return s.status?.loadBalancer?.ingress?.length ? s : undefined;
      },
    );
    const ip = service.status?.loadBalancer?.ingress?.[0]?.ip ?? '';
    assert.match(
      ip,
      /^127\.0\.0\.\d+$/,
      'a loopback address: nothing is routed anywhere',
    );
    assert.ok(service.spec?.clusterIP?.startsWith('10.96.'));
  });

  test('server-side apply creates, updates and records the field manager', async () => {
    const deployment: V1Deployment & KubernetesObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'result',
        namespace: 'smoke',
        labels: { app: 'result' },
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'result' } },
        template: {
          metadata: { labels: { app: 'result' } },
          spec: {
            containers: [
              { name: 'result', image: 'registry.invalid/voting/result:1' },
            ],
          },
        },
      },
    };
    const apply = (obj: V1Deployment & KubernetesObject) =>
      objects.patch(
        obj,
        undefined,
        undefined,
        'voting-platform-test',
        true,
        PatchStrategy.ServerSideApply,
      );

    const created = (await apply(deployment)) as V1Deployment;
    assert.equal(created.spec?.replicas, 1);
    const updated = (await apply({
      ...deployment,
      spec: { ...deployment.spec!, replicas: 3 },
    })) as V1Deployment;
    assert.equal(updated.spec?.replicas, 3);
    assert.ok(
      updated.metadata?.managedFields?.some(
        f => f.manager === 'voting-platform-test' && f.operation === 'Apply',
      ),
    );
    // Applying the same object again changes nothing.
    const again = (await apply({
      ...deployment,
      spec: { ...deployment.spec!, replicas: 3 },
    })) as V1Deployment;
    assert.equal(
      again.metadata?.generation,
      updated.metadata?.generation,
      'no new generation',
    );
    await eventually('3 Ready result pods', 60_000, async () => {
      const list = await core.listNamespacedPod({
        namespace: 'smoke',
        labelSelector: 'app=result',
      });
      return list.items.filter(isReady).length === 3 ? true : undefined;
    });
  });

  describe('helm against the local control plane', () => {
    const helm = (...args: string[]) => {
      const home = join(cp.dir, 'helm');
      mkdirSync(home, { recursive: true });
      const run = spawnSync(helmBinary(), args, {
        encoding: 'utf8',
        env: {
          ...cp.env,
          HELM_CACHE_HOME: join(home, 'cache'),
          HELM_CONFIG_HOME: join(home, 'config'),
          HELM_DATA_HOME: join(home, 'data'),
        },
        timeout: 120_000,
      });
      return { status: run.status, out: `${run.stdout}${run.stderr}` };
    };
    const ok = (...args: string[]) => {
      const run = helm(...args);
      assert.equal(run.status, 0, `helm ${args.join(' ')}\n${run.out}`);
      return run.out;
    };
    const configMessage = async (release: string) =>
      (
        await core.readNamespacedConfigMap({
          namespace: 'charts',
          name: `${release}-probe`,
        })
      ).data?.message;

    test('install --wait of the local chart', async () => {
      ok(
        'install',
        'probe',
        chart,
        '--namespace',
        'charts',
        '--create-namespace',
        '--wait',
        '--timeout',
        '90s',
        '--set',
        'replicas=2',
      );
      const status = JSON.parse(
        ok('status', 'probe', '--namespace', 'charts', '-o', 'json'),
      );
      assert.equal(status.info.status, 'deployed');
      assert.equal(status.version, 1);
      assert.equal(await configMessage('probe'), 'hello');
      const d = await apps.readNamespacedDeployment({
        namespace: 'charts',
        name: 'probe-probe',
      });
      assert.equal(d.status?.readyReplicas, 2);
    });

    test('upgrade changes the release and its objects', async () => {
      ok(
        'upgrade',
        'probe',
        chart,
        '--namespace',
        'charts',
        '--wait',
        '--timeout',
        '90s',
        '--set',
        'replicas=2',
        '--set',
        'message=upgraded',
      );
      const status = JSON.parse(
        ok('status', 'probe', '--namespace', 'charts', '-o', 'json'),
      );
      assert.equal(status.version, 2);
      assert.equal(status.info.status, 'deployed');
      assert.equal(await configMessage('probe'), 'upgraded');
    });

    test('upgrade --install is idempotent when re-run with the same values', async () => {
      const args = [
        'upgrade',
        '--install',
        'probe',
        chart,
        '--namespace',
        'charts',
        '--wait',
        '--timeout',
        '90s',
        '--set',
        'replicas=2',
        '--set',
        'message=upgraded',
      ];
      ok(...args);
      const first = await apps.readNamespacedDeployment({
        namespace: 'charts',
        name: 'probe-probe',
      });
      ok(...args);
      const second = await apps.readNamespacedDeployment({
        namespace: 'charts',
        name: 'probe-probe',
      });
      assert.equal(
        second.metadata?.generation,
        first.metadata?.generation,
        'no new rollout',
      );
      const releases = JSON.parse(
        ok('list', '--namespace', 'charts', '-o', 'json'),
      );
      assert.deepEqual(
        releases.map((r: any) => [r.name, r.status]),
        [['probe', 'deployed']],
      );
      assert.equal(await configMessage('probe'), 'upgraded');
    });

    test('a pod that never becomes ready makes install --wait --timeout fail with a clear error', async () => {
      const started = Date.now();
      const run = helm(
        'install',
        'stuck',
        chart,
        '--namespace',
        'charts',
        '--wait',
        '--timeout',
        '8s',
        '--set',
        'neverReady=true',
      );
      assert.notEqual(run.status, 0, run.out);
      console.log(`# helm said: ${run.out.trim().replaceAll('\n', ' | ')}`);
      assert.ok(Date.now() - started < 60_000, 'the timeout is honoured');
      assert.match(run.out, /stuck-probe/, `names the resource:\n${run.out}`);
      assert.match(
        run.out,
        /(not ready|context deadline exceeded|timed out)/i,
        run.out,
      );
      const status = JSON.parse(
        ok('status', 'stuck', '--namespace', 'charts', '-o', 'json'),
      );
      assert.equal(status.info.status, 'failed');
      const pods = await core.listNamespacedPod({
        namespace: 'charts',
        labelSelector: 'app.kubernetes.io/instance=stuck',
      });
      assert.ok(
        pods.items.length > 0 &&
          pods.items.every(p => p.status?.phase === 'Pending'),
      );
    });
  });
});
