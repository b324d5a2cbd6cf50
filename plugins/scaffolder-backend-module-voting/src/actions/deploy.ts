import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { readFile } from 'node:fs/promises';
import type { Config } from '@backstage/config';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  createDigitalOceanClient,
  getDatabaseConnection,
  getKubeconfig,
} from '@voting-platform/plugin-digitalocean-node';
import { createHash, randomBytes } from 'node:crypto';
import {
  checkWithServer,
  KubernetesConnection,
  ref,
  waitForLoadBalancer,
  waitForRollouts,
} from '@voting-platform/plugin-kubernetes-node';
import {
  CRD_KINDS,
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
import {
  checkStackInput,
  manifestOptions,
  stackInput,
  withDefaults,
} from './stackInput';
import { examples } from './deploy.examples';

/** The field manager of every object this action applies. */
export const FIELD_MANAGER = 'backstage-voting-deploy';
/** Task secret with the vote cookie secret; without it the one in the cluster is kept, or one is generated. */
export const COOKIE_SECRET = 'voteCookieSecret';

/** Inputs of this action only; the stack's own come from {@link stackInput}. */
const DEPLOY_DEFAULTS = {
  traefikNamespace: 'traefik',
  traefikService: 'traefik',
  rolloutTimeoutSeconds: 300,
};

/** @public */
export interface DeployActionOptions {
  config: Config;
  /** Time to wait for the Traefik load balancer address (default 120 s). */
  loadBalancerTimeoutMs?: number;
}

/**
 * `voting:deploy`: deploys the voting services to a DOKS cluster (kubeconfig and database
 * connection fetched from DigitalOcean inside the action), checked by the API server (dry run),
 * applied with server-side apply, rollouts awaited.
 *
 * @public
 */
export function createDeployAction(options: DeployActionOptions) {
  return createTemplateAction({
    id: 'voting:deploy',
    description:
      "Deploys vote, worker, result and the queue to a DigitalOcean Kubernetes cluster: Namespace, Secret with the database connection, Deployments, Services, the queue on volumes (Redis with AOF fsync always, or a 3-node NATS JetStream cluster: StatefulSets with PersistentVolumeClaims), Traefik IngressRoute with TLS, ServiceMonitors, PrometheusRule, Grafana dashboard, PodDisruptionBudgets and an autoscaler for vote. Every object is first checked by the cluster's API server (server-side apply with dryRun=All and strict field validation: unknown fields, schemas, CEL rules, admission) before anything is applied; server-side apply; waits for every rollout. Outputs the URLs and the Traefik load balancer address.",
    supportsDryRun: true,
    examples,
    schema: {
      input: {
        clusterId: z =>
          z
            .string()
            .min(1)
            .describe(
              'DigitalOcean Kubernetes cluster id (its kubeconfig is fetched inside the action)',
            ),
        databaseId: z =>
          z
            .string()
            .min(1)
            .describe(
              'DigitalOcean database cluster id (its connection goes into the Secret)',
            ),
        ...stackInput,
        domain: z =>
          z
            .string()
            .regex(DOMAIN, DOMAIN_MESSAGE)
            .describe(
              'The apps are served at vote.<domain> and result.<domain>',
            ),
        tlsCertificateFile: z =>
          z
            .string()
            .min(1)
            .optional()
            .describe(
              'Workspace path of the PEM certificate to store in the TLS Secret (e.g. the output certificatePath of cloudflare:origin-certificate:ensure); without it the Secret must exist',
            ),
        tlsKeyFile: z =>
          z
            .string()
            .min(1)
            .optional()
            .describe(
              'Workspace path of its private key (keyPath of the same step)',
            ),
        traefikNamespace: z =>
          z
            .string()
            .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
            .optional()
            .describe(
              'Namespace of the Traefik release (default traefik; the Traefik step outputs it)',
            ),
        traefikService: z =>
          z
            .string()
            .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
            .optional()
            .describe(
              'Traefik LoadBalancer Service (default traefik; the Traefik step outputs it)',
            ),
        rolloutTimeoutSeconds: z =>
          z
            .number()
            .int()
            .min(5)
            .max(3600)
            .optional()
            .describe('How long to wait for rollouts (default 300)'),
      },
      output: {
        voteUrl: z => z.string(),
        resultUrl: z => z.string(),
        loadBalancerAddress: z =>
          z
            .string()
            .describe(
              "Traefik load balancer's IP or host name (for the DNS records)",
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
              'Objects this run created or changed (empty on a re-run with the same inputs)',
            ),
      },
    },
    async handler(ctx) {
      const input = withDefaults(ctx.input, DEPLOY_DEFAULTS);
      // checks across inputs, before any request
      checkStackInput(input);
      const cookieFromSecrets = ctx.secrets?.[COOKIE_SECRET];
      if (cookieFromSecrets !== undefined && cookieFromSecrets.length < 32)
        throw new Error(
          `the ${COOKIE_SECRET} task secret must have at least 32 characters`,
        );
      if (!input.tlsCertificateFile !== !input.tlsKeyFile)
        throw new Error(
          'tlsCertificateFile and tlsKeyFile go together: give both or neither',
        );
      // read from the workspace (never from outside it); the key goes into the Secret only
      const tls =
        input.tlsCertificateFile && input.tlsKeyFile
          ? {
              certificate: await readFile(
                resolveSafeChildPath(
                  ctx.workspacePath,
                  input.tlsCertificateFile,
                ),
                'utf8',
              ),
              key: await readFile(
                resolveSafeChildPath(ctx.workspacePath, input.tlsKeyFile),
                'utf8',
              ),
            }
          : undefined;
      if (tls && !/-----BEGIN CERTIFICATE-----/.test(tls.certificate))
        throw new Error(`${input.tlsCertificateFile} holds no PEM certificate`);
      if (tls && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(tls.key))
        throw new Error(`${input.tlsKeyFile} holds no PEM private key`);
      const h = hosts(input.domain);
      const urls = { vote: `https://${h.vote}`, result: `https://${h.result}` };

      const manifests = (
        secretValues: NonNullable<VotingManifestOptions['secret']['values']>,
        kinds: { ingressRoute: boolean; monitoring: boolean },
      ) =>
        votingManifests(
          manifestOptions(input, {
            secret: { name: input.secretName, values: secretValues },
            tls,
            ingressKind: kinds.ingressRoute ? 'IngressRoute' : 'Ingress',
            ingressClassName: 'traefik',
            monitoringKinds: kinds.monitoring,
          }),
        );

      if (ctx.isDryRun) {
        const objects = manifests(
          {
            postgresUrl: 'postgresql://dry-run',
            voteCookieSecret: 'x'.repeat(32),
          },
          { ingressRoute: true, monitoring: true },
        );
        ctx.logger.info(
          `dry run: would apply ${objects.length} objects to cluster ${
            input.clusterId
          }: ${objects.map(ref).join(', ')}`,
        );
        ctx.output('voteUrl', urls.vote);
        ctx.output('resultUrl', urls.result);
        ctx.output('loadBalancerAddress', '');
        ctx.output('namespace', input.namespace);
        ctx.output('objects', objects.map(ref));
        ctx.output('changed', []);
        return;
      }

      const digitalocean = createDigitalOceanClient(
        { config: options.config },
        ctx,
      );
      ctx.logger.info(
        `fetching the kubeconfig of cluster ${input.clusterId} and the connection of database ${input.databaseId} from DigitalOcean`,
      );
      const client = KubernetesConnection.fromKubeconfig(
        await getKubeconfig(digitalocean, input.clusterId),
        { signal: ctx.signal },
      );
      const postgresUrl = (
        await getDatabaseConnection(digitalocean, input.databaseId)
      ).uri;

      // keep the cookie secret already in the cluster unless one is given: sessions survive re-runs
      let voteCookieSecret = cookieFromSecrets;
      if (!voteCookieSecret) {
        const existing = await client.get<any>(
          'v1',
          'Secret',
          input.secretName,
          input.namespace,
        );
        const current = existing?.data?.VOTE_COOKIE_SECRET;
        voteCookieSecret = current
          ? Buffer.from(current, 'base64').toString('utf8')
          : randomBytes(32).toString('base64url');
        if (!current) ctx.logger.info('generated a new vote cookie secret');
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
          'the cluster has no IngressRoute CRD (traefik.io/v1alpha1; install Traefik first): using a networking.k8s.io Ingress of class traefik instead',
        );
      if (!hasMonitoring)
        ctx.logger.warn(
          'the cluster has no ServiceMonitor/PrometheusRule CRDs (monitoring.coreos.com/v1; install kube-prometheus-stack first): skipping ServiceMonitors and alert rules',
        );

      const objects = manifests(
        { postgresUrl, voteCookieSecret: voteCookieSecret! },
        { ingressRoute: hasIngressRoute, monitoring: hasMonitoring },
      );
      // built-in kinds first, then the kinds that need CRDs
      objects.sort(
        (a, b) => Number(CRD_KINDS.has(a.kind)) - Number(CRD_KINDS.has(b.kind)),
      );

      // the API server checks every object (dry run) before anything is applied
      const check = await checkWithServer(client, objects, FIELD_MANAGER);
      if (check.problems.length > 0) {
        throw new Error(
          `${
            check.problems.length
          } problem(s) in the generated manifests, nothing applied:\n${check.problems.join(
            '\n',
          )}`,
        );
      }
      const waiting = new Set(check.deferred);
      ctx.logger.info(
        waiting.size === 0
          ? `the API server accepts all ${objects.length} objects (dry run)`
          : `the API server accepts the fields of all ${objects.length} objects (dry run); ${waiting.size} in namespace ${input.namespace} go through admission again once it exists`,
      );

      const digest = createHash('sha256')
        .update(JSON.stringify(objects))
        .digest('hex')
        .slice(0, 16);
      const changed = await ctx.checkpoint({
        key: `voting-deploy-apply-${digest}`,
        fn: async () => {
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
              if (again.problems.length > 0) {
                throw new Error(
                  `${
                    again.problems.length
                  } problem(s) in the generated manifests; applied only ${applied.join(
                    ', ',
                  )}:\n${again.problems.join('\n')}`,
                );
              }
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
      });

      await waitForRollouts(
        client,
        objects
          .filter(o => o.kind === 'Deployment' || o.kind === 'StatefulSet')
          .map(o => ({
            kind: o.kind as 'Deployment' | 'StatefulSet',
            namespace: o.metadata.namespace!,
            name: o.metadata.name,
            minReplicas:
              o.metadata.name === 'vote' ? input.voteMinReplicas : undefined,
          })),
        ctx.logger,
        input.rolloutTimeoutSeconds * 1000,
        ctx.signal,
      );
      const address = await waitForLoadBalancer(
        client,
        input.traefikNamespace,
        input.traefikService,
        ctx.logger,
        options.loadBalancerTimeoutMs ?? 120_000,
        ctx.signal,
      );
      ctx.logger.info(
        `deployed: ${urls.vote} and ${urls.result} behind ${address}`,
      );
      ctx.output('voteUrl', urls.vote);
      ctx.output('resultUrl', urls.result);
      ctx.output('loadBalancerAddress', address);
      ctx.output('namespace', input.namespace);
      ctx.output('objects', objects.map(ref));
      ctx.output('changed', changed);
    },
  });
}
