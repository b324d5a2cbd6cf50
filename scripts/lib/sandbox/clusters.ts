/**
 * One local Kubernetes control plane per emulated DigitalOcean cluster: started when the
 * cluster's provisioning time has passed (the cluster reports `running` once its API answers),
 * stopped when the cluster is deleted, so a cluster re-created under the same name starts empty.
 * Each serves DigitalOcean's kind of kubeconfig: the control plane's CA and a bearer token of a
 * cluster-admin ServiceAccount. It also does the cloud controller's job: each Service of type
 * LoadBalancer becomes a DigitalOcean load balancer (its name from the Service's annotation, its
 * address the Service's), gone with the Service or the cluster; and the block storage driver's:
 * each claim of the `do-block-storage` class (the cluster's default, as on DOKS) gets a volume
 * bound to it and a DigitalOcean volume of the cluster, gone with the claim or the cluster. And,
 * since no Prometheus runs on kwok's pretend nodes, each kube-prometheus-stack Prometheus Service
 * (the stand-in chart's, which has no selector) leads to a stand-in of Prometheus' HTTP API on this
 * machine, one per cluster, that fires `Watchdog` plus the alerts of the cluster's alerts file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  routeServiceToAddress,
  startPrometheusStandIn,
  watchdogAlert,
  type AlertsAnswer,
  type ClusterTargetAnswer,
  type DigitalOceanEmulator,
  type PrometheusAlert,
  type PrometheusStandIn,
} from '@voting-platform/cloud-sandbox';
import {
  startControlPlane,
  type ControlPlane,
} from '@voting-platform/local-kubernetes';

/** What DigitalOcean's cloud controller reads for the load balancer's name. */
export const LB_NAME_ANNOTATION =
  'service.beta.kubernetes.io/do-loadbalancer-name';

/** DOKS's default StorageClass (its CSI driver provisions DigitalOcean volumes). */
export const STORAGE_CLASS = 'do-block-storage';

/** The labels kube-prometheus-stack puts on its Prometheus Service (the stand-in chart too). */
export const PROMETHEUS_SERVICE_SELECTOR =
  'app=kube-prometheus-stack-prometheus';

interface Entry {
  cp?: ControlPlane;
  target?: { server: string; caData: string; token: string };
  failed?: string;
  /** the start under way */
  starting?: Promise<void>;
  /** load balancer id by Service uid */
  loadBalancers: Map<string, { id: string; name: string; ip: string }>;
  /** DigitalOcean volume id by claim uid */
  volumes: Map<string, string>;
  /** The cluster's stand-in of Prometheus' HTTP API, once a Prometheus Service needs it */
  prometheus?: Promise<PrometheusStandIn>;
  /** uids of the Prometheus Services already routed to it */
  prometheusServices: Set<string>;
}

/**
 * Whether control planes can start: `ready`, `building` (clusters wait, still provisioning), or
 * why not (not built and no Go to build it: clusters go to `error` with that message).
 */
export type ControlPlaneAvailability =
  | 'ready'
  | 'building'
  | { missing: string };

export interface LocalClustersOptions {
  availability: () => ControlPlaneAvailability;
  /** Called whenever the set of running control planes changes (e.g. to rewrite sandbox.json). */
  onChange?: () => void;
  /**
   * Folder of the clusters' alerts files (`<cluster id>.json`): alerts each cluster's Prometheus
   * stand-in fires besides `Watchdog`.
   */
  alertsDir: string;
  log?: (message: string) => void;
}

export class LocalClusters {
  readonly #entries = new Map<string, Entry>();
  #emulator?: DigitalOceanEmulator;
  #timer?: NodeJS.Timeout;
  #syncing = false;
  #pools = 0;
  readonly #options: LocalClustersOptions;

  constructor(options: LocalClustersOptions) {
    this.#options = options;
  }

  /** For the emulator's `clusterTarget` option. */
  readonly target = (cluster: { id: string }): ClusterTargetAnswer => {
    let entry = this.#entries.get(cluster.id);
    if (!entry) {
      const availability = this.#options.availability();
      if (availability === 'building') return undefined;
      entry = this.#start(cluster.id, availability);
    }
    if (entry.failed) return { failed: entry.failed };
    return entry.target;
  };

  /** Watches the emulator's clusters (deletions, Services) until stop(). */
  attach(emulator: DigitalOceanEmulator, intervalMs = 1000): void {
    this.#emulator = emulator;
    this.#timer = setInterval(() => void this.sync(), intervalMs);
  }

  /** Admin kubeconfig path of each running control plane, by emulated cluster id. */
  kubeconfigs(): Record<string, string> {
    return Object.fromEntries(
      [...this.#entries]
        .filter(([, e]) => e.target && e.cp)
        .map(([id, e]) => [id, e.cp!.kubeconfigPath]),
    );
  }

  /** Resident memory (kB) of each running control plane's processes, by cluster id. */
  memoryKb(): Record<string, number> {
    const rss = (pid: number) => {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        return Number(status.match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0);
      } catch {
        return 0; // exited meanwhile
      }
    };
    return Object.fromEntries(
      [...this.#entries]
        .filter(([, e]) => e.cp)
        .map(([id, e]) => [
          id,
          Object.values(e.cp!.pids).reduce((sum, pid) => sum + rss(pid), 0),
        ]),
    );
  }

  #start(id: string, availability: ControlPlaneAvailability): Entry {
    const entry: Entry = {
      loadBalancers: new Map(),
      volumes: new Map(),
      prometheusServices: new Set(),
    };
    this.#entries.set(id, entry);
    if (typeof availability === 'object') {
      entry.failed = availability.missing;
      return entry;
    }
    const pool = this.#pools++;
    this.#options.log?.(`cluster ${id}: starting its local control plane`);
    const pools = this.#emulator?.clusters.get(id)?.node_pools ?? [];
    const nodeCount = pools.reduce((sum, nodePool) => sum + nodePool.count, 0);
    entry.starting = startControlPlane({
      // as many (fake) nodes as the cluster's pools have, so anti-affinity spreads as it would;
      // kwok nodes cost next to nothing, but a cap keeps a typo from making hundreds
      nodes: Math.min(Math.max(nodeCount, 1), 10),
      // addresses of one cluster's load balancers never collide with another's
      loadBalancerPool: `127.0.${(pool % 250) + 1}.64/26`,
    })
      .then(async cp => {
        entry.cp = cp;
        // deleted meanwhile: #remove stops it once this start is over
        if (this.#entries.get(id) !== entry) return;
        entry.target = {
          server: cp.server,
          caData: readFileSync(join(cp.dir, 'pki', 'ca.crt')).toString(
            'base64',
          ),
          token: await adminToken(cp),
        };
        await storageClass(cp);
        this.#options.log?.(
          `cluster ${id}: its control plane is up (${cp.startupSeconds.toFixed(
            1,
          )} s)`,
        );
        this.#options.onChange?.();
      })
      .catch((error: Error) => {
        entry.failed = `the local control plane did not start: ${error.message}`;
        this.#options.log?.(`cluster ${id}: ${entry.failed}`);
      });
    return entry;
  }

  /**
   * One round: clusters whose provisioning time is over get their control plane; those of deleted
   * clusters stop; load balancers and volumes follow the Services and claims.
   */
  async sync(): Promise<void> {
    const emulator = this.#emulator;
    if (!emulator || this.#syncing) return;
    this.#syncing = true;
    try {
      // reading a cluster's state starts its control plane once its provisioning time is over,
      // whether or not anyone asks the API about it
      for (const id of [...emulator.clusters.keys()])
        if (!this.#entries.has(id)) emulator.clusterState(id);
      for (const [id, entry] of this.#entries) {
        const state = emulator.clusterState(id);
        if (state === undefined || state === 'deleting')
          await this.#remove(id, entry);
        else if (entry.target) {
          await this.#syncLoadBalancers(id, entry);
          await this.#syncVolumes(id, entry);
          await this.#syncPrometheus(id, entry);
        }
      }
    } finally {
      this.#syncing = false;
    }
  }

  async #remove(id: string, entry: Entry): Promise<void> {
    this.#entries.delete(id);
    for (const lb of entry.loadBalancers.values())
      this.#emulator?.removeLoadBalancer(lb.id);
    for (const volume of entry.volumes.values())
      this.#emulator?.volumes.delete(volume);
    await entry.starting;
    await (await entry.prometheus?.catch(() => undefined))?.stop();
    if (entry.cp) {
      this.#options.log?.(`cluster ${id}: stopping its control plane`);
      await entry.cp.stop();
    }
    this.#options.onChange?.();
  }

  async #syncLoadBalancers(clusterId: string, entry: Entry): Promise<void> {
    const emulator = this.#emulator!;
    const { status, body } = await entry
      .cp!.api('GET', '/api/v1/services')
      .catch(() => ({ status: 0, body: undefined }));
    if (status !== 200) return; // stopping, or busy: next round
    const wanted = new Map<string, { name: string; ip: string }>();
    for (const svc of body.items ?? []) {
      const ip = svc.status?.loadBalancer?.ingress?.[0]?.ip;
      if (svc.spec?.type !== 'LoadBalancer' || !ip) continue;
      const uid: string = svc.metadata.uid;
      wanted.set(uid, {
        name:
          svc.metadata.annotations?.[LB_NAME_ANNOTATION] ??
          `a${uid.replace(/-/g, '')}`.slice(0, 32),
        ip,
      });
    }
    for (const [uid, lb] of entry.loadBalancers) {
      const want = wanted.get(uid);
      if (want?.name === lb.name && want.ip === lb.ip) continue;
      emulator.removeLoadBalancer(lb.id);
      entry.loadBalancers.delete(uid);
    }
    for (const [uid, want] of wanted)
      if (!entry.loadBalancers.has(uid))
        entry.loadBalancers.set(
          uid,
          emulator.addLoadBalancer({ clusterId, ...want }),
        );
  }

  async #syncVolumes(clusterId: string, entry: Entry): Promise<void> {
    const cp = entry.cp!;
    const { status, body } = await cp
      .api('GET', '/api/v1/persistentvolumeclaims')
      .catch(() => ({ status: 0, body: undefined }));
    if (status !== 200) return;
    const claims = new Set<string>();
    for (const pvc of body.items ?? []) {
      if (pvc.spec?.storageClassName !== STORAGE_CLASS) continue;
      const uid: string = pvc.metadata.uid;
      claims.add(uid);
      if (entry.volumes.has(uid)) continue;
      const name = `pvc-${uid}`;
      const created = await cp.api('POST', '/api/v1/persistentvolumes', {
        metadata: { name },
        spec: {
          capacity: { storage: pvc.spec.resources?.requests?.storage ?? '1Gi' },
          accessModes: pvc.spec.accessModes ?? ['ReadWriteOnce'],
          storageClassName: STORAGE_CLASS,
          persistentVolumeReclaimPolicy: 'Delete',
          claimRef: {
            namespace: pvc.metadata.namespace,
            name: pvc.metadata.name,
            uid,
          },
          // kwok runs no pods, so nothing is ever written here
          hostPath: { path: `/var/lib/sandbox-volumes/${name}` },
        },
      });
      if (created.status !== 201 && created.status !== 409) continue;
      entry.volumes.set(uid, this.#emulator!.addVolume({ clusterId, name }).id);
    }
    for (const [uid, volume] of entry.volumes) {
      if (claims.has(uid)) continue;
      await cp.api('DELETE', `/api/v1/persistentvolumes/pvc-${uid}`);
      this.#emulator!.volumes.delete(volume);
      entry.volumes.delete(uid);
    }
  }

  /**
   * The file of alerts the cluster's Prometheus stand-in fires besides `Watchdog`: a JSON array of
   * alerts as Prometheus' `/api/v1/alerts` lists them (`labels.alertname` required; `state`
   * defaults to `firing`, `activeAt` to the file's time). Read at every query.
   */
  alertsFile(clusterId: string): string {
    return join(this.#options.alertsDir, `${clusterId}.json`);
  }

  async #syncPrometheus(clusterId: string, entry: Entry): Promise<void> {
    const cp = entry.cp!;
    const { status, body } = await cp
      .api(
        'GET',
        `/api/v1/services?labelSelector=${encodeURIComponent(
          PROMETHEUS_SERVICE_SELECTOR,
        )}`,
      )
      .catch(() => ({ status: 0, body: undefined }));
    if (status !== 200) return;
    for (const svc of body.items ?? []) {
      const uid: string = svc.metadata.uid;
      // a Service with a selector has its Endpoints written by the endpoints controller
      if (entry.prometheusServices.has(uid) || svc.spec?.selector) continue;
      if (!entry.prometheus) {
        const started = Date.now();
        entry.prometheus = startPrometheusStandIn(() =>
          this.#alerts(clusterId, new Date(started)),
        );
      }
      let standIn: PrometheusStandIn;
      try {
        standIn = await entry.prometheus;
      } catch (error) {
        // said once per Service; the alerts section says why too (voting.sandbox.alertsUnavailable)
        entry.prometheusServices.add(uid);
        this.#options.log?.(
          `cluster ${clusterId}: no Prometheus for ${svc.metadata.namespace}/${
            svc.metadata.name
          }: ${(error as Error).message}`,
        );
        continue;
      }
      const ports: Array<{ name?: string }> = svc.spec?.ports ?? [];
      try {
        await routeServiceToAddress(cp.kubeconfigYaml, {
          namespace: svc.metadata.namespace,
          service: svc.metadata.name,
          portName:
            ports.find(p => p.name === 'http-web')?.name ??
            ports[0]?.name ??
            '',
          ip: standIn.ip,
          port: standIn.port,
        });
        entry.prometheusServices.add(uid);
      } catch (error) {
        // stopping, or the Service went meanwhile: next round
        this.#options.log?.(
          `cluster ${clusterId}: routing ${svc.metadata.namespace}/${
            svc.metadata.name
          } to its Prometheus stand-in failed: ${(error as Error).message}`,
        );
      }
    }
  }

  #alerts(clusterId: string, since: Date): AlertsAnswer {
    const file = this.alertsFile(clusterId);
    const watchdog = watchdogAlert(since);
    if (!existsSync(file)) return [watchdog];
    let listed: unknown;
    try {
      listed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      return { error: `${file}: ${(error as Error).message}` };
    }
    if (
      !Array.isArray(listed) ||
      !listed.every(a => typeof a?.labels?.alertname === 'string')
    )
      return {
        error: `${file}: must be a JSON array of alerts, each with labels.alertname`,
      };
    const written = statSync(file).mtime.toISOString();
    return [
      watchdog,
      ...listed.map(
        (a: Partial<PrometheusAlert>): PrometheusAlert => ({
          labels: {},
          state: 'firing',
          activeAt: written,
          value: '1e+00',
          ...a,
        }),
      ),
    ];
  }

  /** Stops every control plane. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(
      [...this.#entries].map(([id, entry]) => this.#remove(id, entry)),
    );
  }
}

/** DOKS's default StorageClass; the sandbox binds its claims (#syncVolumes). */
async function storageClass(cp: ControlPlane): Promise<void> {
  const { status, body } = await cp.api(
    'POST',
    '/apis/storage.k8s.io/v1/storageclasses',
    {
      metadata: {
        name: STORAGE_CLASS,
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: 'dobs.csi.digitalocean.com',
      reclaimPolicy: 'Delete',
      allowVolumeExpansion: true,
      volumeBindingMode: 'Immediate',
    },
  );
  if (status !== 201 && status !== 409)
    throw new Error(`StorageClass: HTTP ${status} ${body?.message ?? ''}`);
}

/** A bearer token of a cluster-admin ServiceAccount, as DigitalOcean's kubeconfigs carry. */
async function adminToken(cp: ControlPlane): Promise<string> {
  const must = async (
    what: string,
    call: Promise<{ status: number; body: any }>,
  ) => {
    const { status, body } = await call;
    if (status >= 300 && status !== 409)
      throw new Error(`${what}: HTTP ${status} ${body?.message ?? ''}`);
    return body;
  };
  await must(
    'ServiceAccount',
    cp.api('POST', '/api/v1/namespaces/kube-system/serviceaccounts', {
      metadata: { name: 'do-admin' },
    }),
  );
  await must(
    'ClusterRoleBinding',
    cp.api('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      metadata: { name: 'do-admin' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'cluster-admin',
      },
      subjects: [
        { kind: 'ServiceAccount', name: 'do-admin', namespace: 'kube-system' },
      ],
    }),
  );
  const request = await must(
    'TokenRequest',
    cp.api(
      'POST',
      '/api/v1/namespaces/kube-system/serviceaccounts/do-admin/token',
      { spec: { expirationSeconds: 7 * 24 * 3600 } },
    ),
  );
  const token = request?.status?.token;
  if (!token) throw new Error('the TokenRequest returned no token');
  return token;
}
