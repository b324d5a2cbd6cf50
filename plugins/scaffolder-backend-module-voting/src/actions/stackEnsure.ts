import type { Config } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  createDigitalOceanClient,
  getKubeconfig,
  getPoolConnection,
} from '@voting-platform/plugin-digitalocean-node';
import {
  checkpointKey,
  describeChange,
  describePlaceholder,
  describeRead,
  dryRunPlaceholders,
  idOrDryRunId,
  ENSURE_OUTCOMES,
  outcomeOf,
  parseInput,
  runCheckpoint,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  checkWithServer,
  KubernetesConnection,
  ref,
  loadBalancerAddressOf,
  waitForLoadBalancer,
  waitForRollouts,
  type KubeObject,
} from '@voting-platform/plugin-kubernetes-node';
import {
  CRD_KINDS,
  PRUNABLE_KINDS,
  STACK_LABEL,
  votingManifests,
  type VotingManifestOptions,
} from '../manifests';
import {
  DNS_LABEL,
  DNS_LABEL_MESSAGE,
  DOMAIN,
  DOMAIN_MESSAGE,
  hosts,
} from '../manifests/rules';
import { routesGrafana } from '../manifests/ingress';
import {
  manifestOptions,
  refineStackInput,
  stackInput,
} from './inputProperties';
import { examples } from './stackEnsure.examples';

/** The field manager of every object this action applies. */
export const FIELD_MANAGER = 'backstage-voting-deploy';
/** Task secret with the vote cookie secret; without it the one in the cluster is kept, or one is generated. */
export const COOKIE_SECRET = 'voteCookieSecret';

const input = {
  clusterId: (z: Zod) =>
    idOrDryRunId(z, z.string().min(1)).describe(
      'DigitalOcean Kubernetes cluster id (its kubeconfig is fetched inside the action)',
    ),
  databaseId: (z: Zod) =>
    idOrDryRunId(z, z.string().min(1)).describe(
      'DigitalOcean database cluster id (the connection of its pool databasePool goes into the Secret)',
    ),
  databasePool: (z: Zod) =>
    z
      .string()
      .min(1)
      .default('voting_pool')
      .describe(
        "Connection pool of the app's own user and database (the pool output of digitalocean:database:ensure): the apps connect as that user through it, and straight to its database for what needs a session",
      ),
  ...stackInput,
  domain: (z: Zod) =>
    z
      .string()
      .regex(DOMAIN, DOMAIN_MESSAGE)
      .describe('The apps are served at vote.<domain> and result.<domain>'),
  traefikNamespace: (z: Zod) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .default('traefik')
      .describe(
        'Namespace of the Traefik release (the Traefik step outputs it)',
      ),
  traefikService: (z: Zod) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .default('traefik')
      .describe('Traefik LoadBalancer Service (the Traefik step outputs it)'),
  rolloutTimeoutSeconds: (z: Zod) =>
    z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(300)
      .describe('How long to wait for rollouts, in seconds'),
};

/** @public */
export interface VotingStackEnsureActionOptions {
  config: Config;
  /** Time to wait for the Traefik load balancer address (default 120 s). */
  loadBalancerTimeoutMs?: number;
}

/** Grafana's address in a log line, if it has one. */
const servesGrafana = (url: string | undefined) =>
  url ? `, Grafana at ${url}` : '';

/** The order objects are applied in: built-in kinds first, then the kinds that need CRDs. */
const crdKindsLast = (a: KubeObject, b: KubeObject) =>
  Number(CRD_KINDS.has(a.kind)) - Number(CRD_KINDS.has(b.kind));

/** The object as a change would leave it, without what the server writes on every write. */
const content = (obj: KubeObject | undefined) => {
  if (!obj) return undefined;
  const { status: _status, ...rest } = obj as KubeObject & { status?: unknown };
  const {
    managedFields: _managedFields,
    resourceVersion: _resourceVersion,
    generation: _generation,
    ...metadata
  } = obj.metadata as KubeObject['metadata'] & Record<string, unknown>;
  return { ...rest, metadata };
};

/**
 * What an earlier run applied to this stack and this run no longer declares: the objects of the
 * generator's kinds in the namespace that carry the stack's label, less the declared ones and
 * those `kept` (a TLS Secret the inputs only reference: without certificate files it is someone
 * else's to provide). Objects already being deleted are gone as far as this run is concerned.
 *
 * A label per stack rather than an ApplySet (KEP-3659): an ApplySet needs a parent object
 * recording its members' group-kinds and namespaces, and kubectl's support of it is still alpha;
 * here one generator makes a fixed set of kinds in one namespace, so listing those kinds by the
 * stack's label finds every member, with nothing extra to keep in step. The label is not on the
 * queue's claim templates (a StatefulSet's claim template cannot change in place, and claims are
 * kept on purpose: see `keptClaims`).
 */
async function leftovers(
  client: KubernetesConnection,
  namespace: string,
  declared: KubeObject[],
  kept: Set<string>,
): Promise<KubeObject[]> {
  const wanted = new Set([...declared.map(ref), ...kept]);
  const found: KubeObject[] = [];
  for (const { apiVersion, kind } of PRUNABLE_KINDS) {
    const items = await client.list(
      apiVersion,
      kind,
      namespace,
      `${STACK_LABEL}=${namespace}`,
    );
    for (const item of items) {
      // a list's items carry no apiVersion and kind of their own
      const obj = { ...item, apiVersion, kind };
      if (!obj.metadata.deletionTimestamp && !wanted.has(ref(obj)))
        found.push(obj);
    }
  }
  // the kinds that need CRDs and the dependants (autoscaler, budgets) before what they point at
  return found.reverse();
}

/**
 * The claims a pruned queue StatefulSet leaves (its retention policy keeps them): they hold the
 * queue's data, votes it had accepted and the worker had not yet stored among them (vote pods of
 * the old configuration write there until they are replaced), so they are kept and named in the
 * log, to be deleted by hand once no longer needed.
 */
async function keptClaims(
  client: KubernetesConnection,
  namespace: string,
  pruned: KubeObject[],
): Promise<string[]> {
  const claims: string[] = [];
  for (const set of pruned.filter(o => o.kind === 'StatefulSet')) {
    const selector = (set.spec as { selector?: { matchLabels?: object } })
      ?.selector?.matchLabels;
    if (!selector) continue;
    const items = await client.list(
      'v1',
      'PersistentVolumeClaim',
      namespace,
      Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    );
    claims.push(
      ...items.map(
        c => `PersistentVolumeClaim/${namespace}/${c.metadata.name}`,
      ),
    );
  }
  return claims;
}

/**
 * `voting:stack:ensure`: makes the voting services run on a DOKS cluster as declared (kubeconfig
 * and database connection fetched from DigitalOcean inside the action): every object checked by
 * the API server first (dry run), applied with server-side apply, rollouts awaited. A stack that
 * already is as declared is left as it is.
 *
 * @public
 */
export function createVotingStackEnsureAction(
  options: VotingStackEnsureActionOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'voting:stack:ensure',
    description:
      "Deploys vote, worker, result and the queue to a DigitalOcean Kubernetes cluster: Namespace, Secret with the database connection, Deployments, Services, the queue on volumes (Redis with AOF fsync always, or a 3-node NATS JetStream cluster: StatefulSets with PersistentVolumeClaims), Traefik IngressRoute with TLS, ServiceMonitors, PrometheusRule, Grafana dashboard, PodDisruptionBudgets and an autoscaler for vote. Every object is first checked by the cluster's API server (server-side apply with dryRun=All and strict field validation: unknown fields, schemas, CEL rules, admission) before anything is applied; server-side apply; waits for every rollout. Outputs the URLs and the Traefik load balancer address.",
    supportsDryRun: true,
    examples,
    schema: {
      input,
      output: {
        voteUrl: z => z.string(),
        resultUrl: z => z.string(),
        grafanaUrl: z =>
          z
            .string()
            .optional()
            .describe(
              "Grafana's public address, when the inputs name its Service and the cluster serves IngressRoutes",
            ),
        loadBalancerAddress: z =>
          z
            .string()
            .describe(
              "Traefik load balancer's IP or host name (for the DNS records; in a dry run, the one it has now, or empty)",
            ),
        namespace: z => z.string(),
        objects: z =>
          z
            .array(z.string())
            .describe('Kind/namespace/name of every applied object, in order'),
        changed: z =>
          z
            .array(z.string())
            .describe(
              'Objects this run created, changed or deleted (an earlier run applied them and this one no longer declares them; empty on a re-run with the same inputs); in a dry run, those it would',
            ),
        outcome: z => z.enum(ENSURE_OUTCOMES),
      },
    },
    async handler(ctx) {
      const i = parseInput(input, ctx.input, refineStackInput);
      const cookieFromSecrets = ctx.secrets?.[COOKIE_SECRET];
      if (cookieFromSecrets !== undefined && cookieFromSecrets.length < 32)
        throw new InputError(
          `the ${COOKIE_SECRET} task secret must have at least 32 characters`,
        );
      const toCreate = dryRunPlaceholders(ctx.isDryRun, {
        clusterId: i.clusterId,
        databaseId: i.databaseId,
      });
      const h = hosts(i.domain);
      const urls = { vote: `https://${h.vote}`, result: `https://${h.result}` };
      const grafanaUrlOf = (o: VotingManifestOptions) =>
        routesGrafana(o.ingress) ? `https://${h.grafana}` : undefined;

      if (toCreate.has('clusterId')) {
        // nothing to read in a cluster that does not exist yet: every object would be created,
        // after the earlier steps installed Traefik and kube-prometheus-stack into it
        const planned = manifestOptions(i, {
          secret: {
            name: i.secretName,
            values: {
              postgresUrl: '',
              postgresSessionUrl: '',
              voteCookieSecret: '',
            },
          },
          ingressKind: 'IngressRoute',
          ingressClassName: 'traefik',
          monitoringKinds: true,
        });
        const objects = votingManifests(planned).sort(crdKindsLast).map(ref);
        const grafanaUrl = grafanaUrlOf(planned);
        ctx.logger.info(
          describeChange(
            true,
            'create',
            `the voting stack (${objects.length} objects in namespace ${
              i.namespace
            }) in ${describePlaceholder(
              'Kubernetes cluster',
              i.clusterId,
            )}, connected to ${
              toCreate.has('databaseId')
                ? describePlaceholder('database cluster', i.databaseId)
                : `database cluster ${i.databaseId}`
            }: ${urls.vote} and ${urls.result}${servesGrafana(grafanaUrl)}`,
          ),
        );
        ctx.output('voteUrl', urls.vote);
        ctx.output('resultUrl', urls.result);
        if (grafanaUrl) ctx.output('grafanaUrl', grafanaUrl);
        ctx.output('loadBalancerAddress', '');
        ctx.output('namespace', i.namespace);
        ctx.output('objects', objects);
        ctx.output('changed', objects);
        ctx.output('outcome', outcomeOf(true, 'create'));
        return;
      }

      const digitalocean = createDigitalOceanClient(
        { config: options.config },
        ctx,
      );
      ctx.logger.info(
        describeRead(
          ctx.isDryRun,
          `fetching the kubeconfig of cluster ${i.clusterId} and the connection of pool "${i.databasePool}" of database ${i.databaseId} from DigitalOcean`,
        ),
      );
      const client = KubernetesConnection.fromKubeconfig(
        await getKubeconfig(digitalocean, i.clusterId),
        { signal: ctx.signal },
      );
      // the app's own user, never the admin: through the pool for the apps' statements, straight
      // to its database for what a transaction-mode pool cannot keep (see SecretValues); a
      // database an earlier step would create has no pool yet, nor has one whose pool the
      // database step of the same dry run would add
      const pool = toCreate.has('databaseId')
        ? undefined
        : await getPoolConnection(
            digitalocean,
            i.databaseId,
            i.databasePool,
          ).catch(error => {
            if (!(ctx.isDryRun && error instanceof NotFoundError)) throw error;
            ctx.logger.info(
              `Dry run: database ${i.databaseId} has no pool "${i.databasePool}" yet; the database step would create it`,
            );
            return undefined;
          });
      if (pool)
        ctx.logger.info(
          describeRead(
            ctx.isDryRun,
            `the apps connect as database user "${pool.pooled.user}" through pool "${i.databasePool}" (${pool.mode} mode); migrations, locks and LISTEN straight to database "${pool.direct.database}"`,
          ),
        );

      // keep the cookie secret already in the cluster unless one is given: sessions survive re-runs
      let voteCookieSecret = cookieFromSecrets;
      if (!voteCookieSecret) {
        const existing = await client.get<any>(
          'v1',
          'Secret',
          i.secretName,
          i.namespace,
        );
        const current = existing?.data?.VOTE_COOKIE_SECRET;
        voteCookieSecret = current
          ? Buffer.from(current, 'base64').toString('utf8')
          : randomBytes(32).toString('base64url');
        if (!current)
          ctx.logger.info(
            describeChange(ctx.isDryRun, 'create', 'a new vote cookie secret'),
          );
      }

      const hasIngressRoute = await client.served(
        'traefik.io/v1alpha1',
        'IngressRoute',
      );
      const hasMonitoring =
        (await client.served('monitoring.coreos.com/v1', 'ServiceMonitor')) &&
        (await client.served('monitoring.coreos.com/v1', 'PrometheusRule'));
      if (!hasIngressRoute)
        ctx.logger.warn(
          describeRead(
            ctx.isDryRun,
            'the cluster has no IngressRoute CRD (traefik.io/v1alpha1; install Traefik first): using a networking.k8s.io Ingress of class traefik instead',
          ),
        );
      if (!hasMonitoring)
        ctx.logger.warn(
          describeRead(
            ctx.isDryRun,
            'the cluster has no ServiceMonitor/PrometheusRule CRDs (monitoring.coreos.com/v1; install kube-prometheus-stack first): skipping ServiceMonitors and alert rules',
          ),
        );

      const declared = manifestOptions(i, {
        secret: {
          name: i.secretName,
          values: {
            postgresUrl: pool?.pooled.uri ?? '',
            postgresSessionUrl: pool?.direct.uri ?? '',
            voteCookieSecret: voteCookieSecret!,
          },
        },
        ingressKind: hasIngressRoute ? 'IngressRoute' : 'Ingress',
        ingressClassName: 'traefik',
        monitoringKinds: hasMonitoring,
      });
      const grafanaUrl = grafanaUrlOf(declared);
      if (i.grafanaService && !grafanaUrl)
        ctx.logger.warn(
          describeRead(
            ctx.isDryRun,
            `Grafana (Service ${i.monitoringNamespace}/${i.grafanaService}) gets no public address: an Ingress cannot route to a Service of another namespace`,
          ),
        );
      const objects = votingManifests(declared);
      objects.sort(crdKindsLast);
      // the server refuses what these inputs make of the stack (or its admission policies do)
      const problemsIn = (problems: string[], applied: string) =>
        new InputError(
          `${
            problems.length
          } problem(s) in the generated manifests${applied}:\n${problems.join(
            '\n',
          )}`,
        );

      // the API server checks every object (dry run) before anything is applied
      const check = await checkWithServer(client, objects, FIELD_MANAGER);
      if (check.problems.length > 0)
        throw problemsIn(check.problems, ', nothing applied');
      const waiting = new Set(check.deferred);
      ctx.logger.info(
        describeRead(
          ctx.isDryRun,
          waiting.size === 0
            ? `the API server accepts all ${objects.length} objects (dry run)`
            : `the API server accepts the fields of all ${objects.length} objects (dry run); ${waiting.size} in namespace ${i.namespace} go through admission again once it exists`,
        ),
      );
      // referenced only: cloudflare:origin-certificate:ensure keeps it, it is never pruned here
      const kept = new Set([`Secret/${i.namespace}/${i.tlsSecretName}`]);
      const namespaceExisted = !!(await client.get(
        'v1',
        'Namespace',
        i.namespace,
      ));

      let changed: string[];
      let appliedNow = false;
      if (ctx.isDryRun) {
        // what the server would make of each object, against what it holds now
        changed = [];
        for (const obj of objects) {
          const before = await client.get(
            obj.apiVersion,
            obj.kind,
            obj.metadata.name,
            obj.metadata.namespace,
          );
          const after = before
            ? await client.apply(obj, {
                fieldManager: FIELD_MANAGER,
                dryRun: true,
              })
            : undefined;
          if (!before || !isDeepStrictEqual(content(before), content(after)))
            changed.push(ref(obj));
        }
        const unwanted = await leftovers(client, i.namespace, objects, kept);
        for (const obj of unwanted) {
          // the server checks the deletion too (permissions, admission), deleting nothing
          await client.delete(
            obj.apiVersion,
            obj.kind,
            obj.metadata.name,
            obj.metadata.namespace,
            { dryRun: true },
          );
          ctx.logger.info(
            describeChange(true, 'delete', `${ref(obj)} (no longer declared)`),
          );
        }
        changed.push(...unwanted.map(ref));
        ctx.logger.info(
          changed.length === 0
            ? describeRead(
                true,
                `all ${objects.length} objects in namespace ${i.namespace} are as declared`,
              )
            : describeChange(
                true,
                namespaceExisted ? 'update' : 'create',
                `${changed.length} of ${objects.length} objects: ${changed.join(
                  ', ',
                )}`,
              ),
        );
      } else {
        const apply = await runCheckpoint(
          ctx,
          checkpointKey('voting-stack', 'apply', i.namespace),
          async () => {
            const touched: string[] = [];
            const applied: string[] = [];
            for (const obj of objects) {
              if (waiting.has(obj)) {
                // its namespace exists now: the full dry run, before any object in it is applied
                const again = await checkWithServer(
                  client,
                  [...waiting],
                  FIELD_MANAGER,
                );
                if (again.problems.length > 0)
                  throw problemsIn(
                    again.problems,
                    `; applied only ${applied.join(', ')}`,
                  );
                waiting.clear();
              }
              const before = await client.get(
                obj.apiVersion,
                obj.kind,
                obj.metadata.name,
                obj.metadata.namespace,
              );
              const after = await client.apply(obj, {
                fieldManager: FIELD_MANAGER,
              });
              let state = 'created';
              if (before)
                state =
                  before.metadata.resourceVersion ===
                  after.metadata.resourceVersion
                    ? 'unchanged'
                    : 'configured';
              applied.push(ref(obj));
              if (state !== 'unchanged') touched.push(ref(obj));
              ctx.logger.info(`${ref(obj)} ${state}`);
            }
            return touched;
          },
        );
        changed = apply.value;
        // a retried task: what the checkpoint lists, an earlier attempt applied
        appliedNow = apply.ranNow;

        await waitForRollouts(
          client,
          objects
            .filter(o => o.kind === 'Deployment' || o.kind === 'StatefulSet')
            .map(o => ({
              kind: o.kind as 'Deployment' | 'StatefulSet',
              namespace: o.metadata.namespace!,
              name: o.metadata.name,
              minReplicas:
                o.metadata.name === 'vote' ? i.voteMinReplicas : undefined,
            })),
          ctx.logger,
          i.rolloutTimeoutSeconds * 1000,
          ctx.signal,
        );
        // once the pods of the new configuration run: what it no longer uses goes
        const prune = await runCheckpoint(
          ctx,
          checkpointKey('voting-stack', 'prune', i.namespace),
          async () => {
            const unwanted = await leftovers(
              client,
              i.namespace,
              objects,
              kept,
            );
            const deleted: string[] = [];
            for (const obj of unwanted) {
              if (
                await client.delete(
                  obj.apiVersion,
                  obj.kind,
                  obj.metadata.name,
                  obj.metadata.namespace,
                )
              ) {
                deleted.push(ref(obj));
                ctx.logger.info(
                  describeChange(
                    false,
                    'delete',
                    `${ref(obj)} (no longer declared)`,
                  ),
                );
              }
            }
            for (const claim of await keptClaims(client, i.namespace, unwanted))
              ctx.logger.warn(
                `${claim} kept: it holds the data of a queue this stack no longer runs (votes accepted there and not yet stored may be among it); delete it once you no longer need them`,
              );
            return deleted;
          },
        );
        changed = [...changed, ...prune.value];
        if (prune.ranNow && prune.value.length > 0) appliedNow = true;
      }
      // a dry run waits for nothing: the address Traefik's load balancer has now, if any
      const address = ctx.isDryRun
        ? loadBalancerAddressOf(
            await client.get<any>(
              'v1',
              'Service',
              i.traefikService,
              i.traefikNamespace,
            ),
          )
        : await waitForLoadBalancer(
            client,
            i.traefikNamespace,
            i.traefikService,
            ctx.logger,
            options.loadBalancerTimeoutMs ?? 120_000,
            ctx.signal,
          );
      const change = namespaceExisted ? 'update' : 'create';
      if (!ctx.isDryRun)
        ctx.logger.info(
          describeChange(
            false,
            changed.length === 0 || !appliedNow ? 'reuse' : change,
            `the voting stack in namespace ${i.namespace}: ${urls.vote} and ${
              urls.result
            }${servesGrafana(grafanaUrl)} behind ${address}`,
          ),
        );
      ctx.output('voteUrl', urls.vote);
      ctx.output('resultUrl', urls.result);
      if (grafanaUrl) ctx.output('grafanaUrl', grafanaUrl);
      ctx.output('loadBalancerAddress', address);
      ctx.output('namespace', i.namespace);
      ctx.output('objects', objects.map(ref));
      ctx.output('changed', changed);
      ctx.output(
        'outcome',
        changed.length === 0 ? 'unchanged' : outcomeOf(ctx.isDryRun, change),
      );
    },
  });
}
