/**
 * Test glue: one real local control plane per test file (packages/local-kubernetes/control-plane.sh in its own
 * state dir: packages/local-kubernetes/src/controlPlane.ts is ESM and jest here is CommonJS), a token kubeconfig like
 * the one DigitalOcean hands out, and the cloud sandbox answering kubernetes_get_kubeconfig with it.
 */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import * as k8s from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sleep } from '@voting-platform/timing';
import { stringify, parse } from 'yaml';
import { KubernetesConnection, type KubeObject } from '../KubernetesConnection';

/**
 * The repository's root (packages/local-kubernetes holds the control plane's scripts): this package is plugins/kubernetes-node.
 *
 * @public
 */
export const repoRoot = resolve(
  resolvePackagePath('@voting-platform/plugin-kubernetes-node'),
  '../..',
);

/** @public */
export interface LocalCluster {
  /** Connection with the admin credentials (for assertions). */
  admin: KubernetesConnection;
  /** The admin kubeconfig (client certificate and CA inline). */
  adminKubeconfig: string;
  /** A kubeconfig with a bearer token (cluster-admin ServiceAccount), as DigitalOcean's are. */
  tokenKubeconfig: string;
  token: string;
  stop(): void;
}

/**
 * Control planes started by this test file and not yet stopped. A beforeAll hook that times out
 * lets its start finish unobserved, so its `afterAll` never learns of the cluster: stop them all
 * when the test process exits, whatever the hooks saw.
 */
const unstopped = new Set<() => void>();
process.once('exit', () => unstopped.forEach(stop => stop()));

/**
 * `nodes`: fake nodes (default 2; a 3-node NATS cluster with anti-affinity needs 3).
 *
 * @public
 */
export async function startLocalCluster(
  options: { nodes?: number } = {},
): Promise<LocalCluster> {
  const state = mkdtempSync(join(tmpdir(), 'k8s-module-test-'));
  const env = {
    ...process.env,
    K8S_LOCAL_STATE: state,
    K8S_LOCAL_NODES: String(options.nodes ?? 2),
  };
  const script = join(repoRoot, 'packages/local-kubernetes/control-plane.sh');
  const stop = () => {
    unstopped.delete(stop);
    spawnSync('bash', [script, 'stop'], {
      env,
      encoding: 'utf8',
      cwd: repoRoot,
    });
    rmSync(state, { recursive: true, force: true });
  };
  unstopped.add(stop);
  // --no-build: a test never builds the control plane (minutes on a fresh machine); without it,
  // the start fails at once and its message says how to build it.
  const started = spawnSync('bash', [script, 'start', '--no-build'], {
    env,
    encoding: 'utf8',
    cwd: repoRoot,
  });
  if (started.status !== 0) {
    stop();
    throw new Error(`control-plane.sh start failed: ${started.stderr}`);
  }
  const adminKubeconfig = readFileSync(join(state, 'kubeconfig'), 'utf8');
  const admin = KubernetesConnection.fromKubeconfig(adminKubeconfig);
  // a ServiceAccount with cluster-admin and a token for it
  await admin.apply(
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'do-admin', namespace: 'kube-system' },
    },
    { fieldManager: 'test' },
  );
  await admin.apply(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'do-admin' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'cluster-admin',
      },
      subjects: [
        { kind: 'ServiceAccount', name: 'do-admin', namespace: 'kube-system' },
      ],
    },
    { fieldManager: 'test' },
  );
  const tokenRequest = await admin
    .api(k8s.CoreV1Api)
    .createNamespacedServiceAccountToken({
      name: 'do-admin',
      namespace: 'kube-system',
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
  const token = tokenRequest.status?.token;
  if (!token) throw new Error('the TokenRequest returned no token');
  const adminConfig = parse(adminKubeconfig);
  const cluster = adminConfig.clusters[0].cluster;
  const tokenKubeconfig = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'do-local',
        cluster: {
          server: cluster.server,
          'certificate-authority-data': cluster['certificate-authority-data'],
        },
      },
    ],
    contexts: [
      {
        name: 'do-local',
        context: { cluster: 'do-local', user: 'do-local-admin' },
      },
    ],
    'current-context': 'do-local',
    users: [{ name: 'do-local-admin', user: { token } }],
  });
  return { admin, adminKubeconfig, tokenKubeconfig, token, stop };
}

/**
 * Minimal CRDs (written here, not the projects' own) for the kinds voting:stack:ensure uses.
 *
 * @public
 */
export function minimalCrds(): KubeObject[] {
  const crd = (
    group: string,
    kind: string,
    plural: string,
    spec: object,
  ): KubeObject => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: {
        kind,
        plural,
        singular: kind.toLowerCase(),
        listKind: `${kind}List`,
      },
      versions: [
        {
          name: group === 'traefik.io' ? 'v1alpha1' : 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec } } },
        },
      ],
    },
  });
  const str = { type: 'string' };
  const strMap = { type: 'object', additionalProperties: str };
  const selector = {
    type: 'object',
    properties: {
      matchLabels: strMap,
      matchExpressions: {
        type: 'array',
        items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  };
  return [
    crd('traefik.io', 'IngressRoute', 'ingressroutes', {
      type: 'object',
      required: ['routes'],
      properties: {
        entryPoints: { type: 'array', items: str },
        routes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['match', 'kind'],
            properties: {
              match: str,
              kind: { type: 'string', enum: ['Rule'] },
              priority: { type: 'integer' },
              services: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name'],
                  properties: {
                    name: str,
                    namespace: str,
                    port: { 'x-kubernetes-int-or-string': true },
                    kind: str,
                  },
                },
              },
              middlewares: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { name: str, namespace: str },
                },
              },
            },
          },
        },
        tls: {
          type: 'object',
          properties: {
            secretName: str,
            certResolver: str,
            options: {
              type: 'object',
              properties: { name: str, namespace: str },
            },
          },
        },
      },
    }),
    crd('monitoring.coreos.com', 'ServiceMonitor', 'servicemonitors', {
      type: 'object',
      required: ['selector'],
      properties: {
        selector,
        namespaceSelector: {
          type: 'object',
          properties: {
            any: { type: 'boolean' },
            matchNames: { type: 'array', items: str },
          },
        },
        jobLabel: str,
        endpoints: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              port: str,
              path: str,
              interval: str,
              scrapeTimeout: str,
              scheme: str,
            },
          },
        },
      },
    }),
    crd('monitoring.coreos.com', 'PrometheusRule', 'prometheusrules', {
      type: 'object',
      properties: {
        groups: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name'],
            properties: {
              name: str,
              interval: str,
              rules: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['expr'],
                  properties: {
                    alert: str,
                    record: str,
                    expr: { 'x-kubernetes-int-or-string': true },
                    for: str,
                    labels: strMap,
                    annotations: strMap,
                  },
                },
              },
            },
          },
        },
      },
    }),
  ];
}

/**
 * Creates the CRDs and waits until their kinds are served.
 *
 * @public
 */
export async function installCrds(
  admin: KubernetesConnection,
  crds: KubeObject[],
): Promise<void> {
  for (const crd of crds) await admin.apply(crd, { fieldManager: 'test' });
  const deadline = Date.now() + 30_000;
  for (const crd of crds) {
    const spec: any = crd.spec;
    for (;;) {
      const got: any = await admin.get(
        'apiextensions.k8s.io/v1',
        'CustomResourceDefinition',
        crd.metadata.name,
      );
      const established = got?.status?.conditions?.some(
        (c: any) => c.type === 'Established' && c.status === 'True',
      );
      if (
        established &&
        (await admin.served(
          `${spec.group}/${spec.versions[0].name}`,
          spec.names.kind,
        ))
      )
        break;
      if (Date.now() > deadline)
        throw new Error(`CRD ${crd.metadata.name} not established and served`);
      await sleep(200);
    }
  }
}

/**
 * Storage for tests: the local control plane has no volume provisioner, so a claim of a normal
 * class stays Pending and the pods of a StatefulSet are never scheduled. This makes a class with
 * no provisioner and immediate binding, and `volumes` ready PersistentVolumes of it, which the
 * controller manager's binder hands to claims as real block storage would.
 *
 * @public
 */
export async function provideTestStorage(
  admin: KubernetesConnection,
  options: { className: string; volumes: number; size?: string },
): Promise<void> {
  await admin.apply(
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: options.className },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'Immediate',
    },
    { fieldManager: 'test' },
  );
  for (let i = 0; i < options.volumes; i++) {
    await admin.apply(
      {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `${options.className}-${i}` },
        spec: {
          storageClassName: options.className,
          capacity: { storage: options.size ?? '10Gi' },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          // never mounted: kwok's pods only pretend to run
          hostPath: { path: `/tmp/${options.className}-${i}` },
        },
      },
      { fieldManager: 'test' },
    );
  }
}

/**
 * What {@link serveAtDigitalOcean} needs of the DigitalOcean emulator of `@voting-platform/cloud-sandbox`.
 *
 * @public
 */
export interface DigitalOceanEmulator {
  url: string;
  token: string;
  override(
    operationId: string,
    handler: () => { status: number; text: string; contentType: string },
  ): void;
}

/**
 * Calls the DigitalOcean emulator's API as a test's set-up does (not through the code under
 * test): `call('POST', '/databases', {...})` gives the JSON answer, and throws on an error status.
 *
 * @public
 */
export function digitalOceanCall(digitalocean: DigitalOceanEmulator) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${digitalocean.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${digitalocean.token}`,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok)
      throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
}

/**
 * Creates a Kubernetes cluster in the DigitalOcean emulator whose kubeconfig (as DigitalOcean
 * serves it: a bearer token) is the local control plane's, so an action that fetches the
 * kubeconfig by cluster id talks to the real API server. Returns the cluster id; the emulated
 * cluster runs once the emulator's clock has moved on (its provisioning time).
 *
 * @public
 */
export async function serveAtDigitalOcean(
  digitalocean: DigitalOceanEmulator,
  cluster: LocalCluster,
  name = 'local',
): Promise<string> {
  const created = await digitalOceanCall(digitalocean)(
    'POST',
    '/kubernetes/clusters',
    {
      name,
      region: 'nyc1',
      version: 'latest',
      node_pools: [{ name: 'pool', size: 's-2vcpu-4gb', count: 2 }],
    },
  );
  digitalocean.override('kubernetes_get_kubeconfig', () => ({
    status: 200,
    text: cluster.tokenKubeconfig,
    contentType: 'application/yaml',
  }));
  return created.kubernetes_cluster.id;
}
