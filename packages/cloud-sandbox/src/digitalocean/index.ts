/**
 * DigitalOcean API emulator: the operations the platform's actions and status views use. One file
 * per resource beside this one:
 *
 *   account.ts          GET /v2/account
 *   vpcs.ts             VPC networks
 *   kubernetes.ts       DOKS clusters, their associated resources, kubeconfig, credentials, upgrades
 *   nodePools.ts        a cluster's node pools
 *   clusterlint.ts      clusterlint runs and results
 *   databases.ts        managed databases: clusters, resize, events, backups, firewall, users, dbs, pools
 *   loadBalancers.ts    load balancers (made by a cluster's cloud controller)
 *   regionsAndSizes.ts  regions, sizes with prices, Kubernetes and database options
 *
 * with `catalog.ts` (what is offered: regions, versions, sizes, prices), `render.ts` (how each
 * resource looks on the wire) and `state.ts` (the shared state, lifecycles on the clock, look-ups,
 * pagination, the `{id, message, request_id}` error envelope). This class adds the token, the
 * rate-limit headers and fault answers, and the helpers tests use for what DigitalOcean does on
 * its own (load balancers, volumes, broken clusters, clusterlint findings).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Emulator, type Handler, type Reply } from '../emulator';
import { accountHandlers } from './account';
import { clusterlintHandlers } from './clusterlint';
import { databaseHandlers } from './databases';
import { kubernetesHandlers } from './kubernetes';
import { addLoadBalancer, loadBalancerHandlers } from './loadBalancers';
import { nodePoolHandlers } from './nodePools';
import { regionsAndSizesHandlers } from './regionsAndSizes';
import {
  DigitalOceanState,
  errorReply,
  NotFound,
  secret,
  type DigitalOceanOptions,
  type LintFinding,
} from './state';
import { vpcHandlers } from './vpcs';

export type {
  ClusterTarget,
  ClusterTargetAnswer,
  DatabaseBackend,
  DatabaseEndpoint,
  DigitalOceanOptions,
  DigitalOceanTimings,
  LintFinding,
} from './state';

/**
 * Operations of the spec that no action, status view or template uses, so the emulator does not
 * serve them: the request is still checked against the spec, faults still apply, and the answer is
 * 501 in DigitalOcean's error envelope (the `default` response every operation declares). DNS is
 * Cloudflare's job here, add-ons are installed with Helm, teardown deletes a cluster with its
 * associated resources and keeps the VPC, and nothing updates, upgrades or lists inside a cluster.
 */
export const NOT_EMULATED: readonly string[] = [
  'oneClicks_list',
  'oneClicks_install_kubernetes',
  'domains_list',
  'domains_create',
  'domains_get',
  'domains_delete',
  'domains_list_records',
  'domains_create_record',
  'domains_get_record',
  'domains_update_record',
  'domains_delete_record',
  'kubernetes_update_cluster',
  'kubernetes_upgrade_cluster',
  'kubernetes_delete_cluster',
  'kubernetes_destroy_associatedResourcesSelective',
  'databases_get_ca',
  'databases_update_maintenanceWindow',
  'databases_list_users',
  'databases_delete_user',
  'databases_list',
  'databases_delete',
  'databases_list_connectionPools',
  'databases_delete_connectionPool',
  'vpcs_get',
  'vpcs_update',
  'vpcs_delete',
];

export class DigitalOceanEmulator extends Emulator {
  readonly provider = 'digitalocean' as const;
  protected declare readonly options: DigitalOceanOptions;
  readonly #state: DigitalOceanState;
  readonly accountUuid: string;
  readonly clusters: DigitalOceanState['clusters'];
  readonly databases: DigitalOceanState['databases'];
  readonly vpcs: DigitalOceanState['vpcs'];
  readonly loadBalancers: DigitalOceanState['loadBalancers'];
  readonly volumes: DigitalOceanState['volumes'];
  #handlers?: Record<string, Handler>;

  constructor(options: DigitalOceanOptions = {}) {
    super(options);
    const s = new DigitalOceanState(this.clock, options);
    this.#state = s;
    this.accountUuid = s.accountUuid;
    this.clusters = s.clusters;
    this.databases = s.databases;
    this.vpcs = s.vpcs;
    this.loadBalancers = s.loadBalancers;
    this.volumes = s.volumes;
  }

  protected defaultToken(): string {
    return `dop_v1_sandbox${secret(24)}`;
  }

  get url(): string {
    return `${this.origin}/v2`;
  }

  /** Every secret value handed out so far (kubeconfig tokens, database passwords), e.g. to assert none is logged. */
  secrets(): string[] {
    return this.#state.secrets();
  }

  // ── state helpers usable by tests (what other parts of DigitalOcean do on their own) ──

  /**
   * Adds a load balancer, as the cluster's cloud controller does for a Service of type
   * LoadBalancer; with a clusterId it is one of the cluster's associated resources.
   */
  addLoadBalancer(
    opts: {
      clusterId?: string;
      name?: string;
      region?: string;
      ip?: string;
    } = {},
  ): { id: string; name: string; ip: string } {
    return addLoadBalancer(this.#state, opts);
  }

  /** Removes a load balancer, as the cloud controller does when its Service goes. */
  removeLoadBalancer(id: string): void {
    this.loadBalancers.delete(id);
  }

  /** A cluster's state as the API reports it. */
  clusterState(
    id: string,
  ): ReturnType<DigitalOceanState['clusterState']> | undefined {
    this.#state.purge();
    const c = this.clusters.get(id);
    return c && this.#state.clusterState(c);
  }

  /** Adds a block storage volume (as a PersistentVolumeClaim would) associated with a cluster. */
  addVolume(opts: { clusterId: string; name?: string }): {
    id: string;
    name: string;
  } {
    if (!this.clusters.has(opts.clusterId))
      throw new Error(`no cluster ${opts.clusterId}`);
    const id = randomUUID();
    const volume = {
      id,
      name: opts.name ?? `pvc-${randomUUID()}`,
      clusterId: opts.clusterId,
    };
    this.volumes.set(id, volume);
    return { id, name: volume.name };
  }

  /**
   * Sets what clusterlint finds in a cluster's workloads from the next run on (the emulator runs
   * no workloads of its own, so a run finds nothing until a test says otherwise).
   */
  setLintFindings(clusterId: string, findings: LintFinding[]): void {
    const c = this.clusters.get(clusterId);
    if (!c) throw new Error(`no cluster ${clusterId}`);
    c.lintFindings = findings.map(f => ({ ...f }));
  }

  /**
   * Puts a cluster into `degraded` or `error` (what DigitalOcean reports when provisioning or a
   * node goes wrong), or back to normal with `undefined`.
   */
  breakCluster(
    id: string,
    failure: { state: 'degraded' | 'error'; message?: string } | undefined,
  ): void {
    const c = this.clusters.get(id);
    if (!c) throw new Error(`no cluster ${id}`);
    c.broken = failure
      ? {
          state: failure.state,
          message:
            failure.message ??
            (failure.state === 'error'
              ? 'Cluster provisioning failed'
              : 'Cluster is degraded'),
        }
      : undefined;
  }

  /**
   * Keeps the database cluster of this name `creating` (a provisioning that does not finish), the
   * one there now and one created later; `false` lets it finish: it is online at once.
   */
  holdDatabase(name: string, held = true): void {
    const s = this.#state;
    if (held) s.heldDatabases.add(name);
    else s.heldDatabases.delete(name);
    for (const d of s.databases.values())
      if (d.name === name)
        d.readyAt = held
          ? Number.POSITIVE_INFINITY
          : Math.min(d.readyAt, s.clock.now());
  }

  // ── the provider's envelope, headers and faults ──

  protected errorReply(
    status: number,
    message: string,
    code?: string | number,
  ): Reply {
    return errorReply(status, message, code);
  }

  protected authorized(req: IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.token}`;
  }

  protected commonHeaders(): Record<string, string> {
    return {
      'ratelimit-limit': '5000',
      'ratelimit-remaining': '4999',
      'ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60),
    };
  }

  protected override faultReply(
    fault: Parameters<Emulator['faultReply']>[0],
  ): Reply {
    const reply = super.faultReply(fault);
    if (fault.retryAfter !== undefined) {
      reply.headers = {
        ...reply.headers,
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(
          Math.floor(Date.now() / 1000) + fault.retryAfter,
        ),
      };
    }
    return reply;
  }

  // ── handlers: every resource's, each call seeing deletions that ran their course, 404 for a missing resource ──

  protected handlers(): Record<string, Handler> {
    if (this.#handlers) return this.#handlers;
    const s = this.#state;
    const handlers: Record<string, Handler> = {
      ...accountHandlers(s),
      ...regionsAndSizesHandlers(),
      ...vpcHandlers(s),
      ...kubernetesHandlers(s),
      ...nodePoolHandlers(s),
      ...clusterlintHandlers(s),
      ...loadBalancerHandlers(s),
      ...databaseHandlers(s),
    };
    const wrap =
      (h: Handler): Handler =>
      async ctx => {
        s.purge();
        try {
          return await h(ctx);
        } catch (err) {
          if (err instanceof NotFound)
            return this.errorReply(
              404,
              'The resource you were accessing could not be found.',
            );
          throw err;
        }
      };
    this.#handlers = Object.fromEntries(
      Object.entries(handlers).map(([k, h]) => [k, wrap(h)]),
    );
    return this.#handlers;
  }
}
