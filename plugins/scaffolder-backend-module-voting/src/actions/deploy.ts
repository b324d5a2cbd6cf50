import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { readFile } from 'node:fs/promises';
import type { Config } from '@backstage/config';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { createHash, randomBytes } from 'node:crypto';
import { checkWithServer, digitalOceanReader, KubernetesConnection, ref, waitForLoadBalancer, waitForRollouts } from '@voting-platform/plugin-kubernetes-node';
import { CRD_KINDS, hosts, votingDeployManifests, type VotingDeploySettings } from '../manifests/votingDeploy';
import { examples } from './deploy.examples';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DOMAIN = /^(?=.{1,240}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/;
/** The field manager of every object this action applies. */
export const FIELD_MANAGER = 'backstage-voting-deploy';
/** Task secret with the vote cookie secret; without it the one in the cluster is kept, or one is generated. */
export const COOKIE_SECRET = 'voteCookieSecret';

const DEFAULTS = {
  namespace: 'voting',
  imageTag: 'latest',
  tlsSecretName: 'cloudflare-origin-tls',
  queue: 'redis' as 'redis' | 'nats',
  workerReplicas: 1,
  resultReplicas: 2,
  voteMinReplicas: 2,
  voteMaxReplicas: 10,
  voteCpuTargetPercent: 70,
  pollId: 'default',
  question: 'Cats or dogs?',
  optionA: 'Cats',
  optionB: 'Dogs',
  secretName: 'voting-secrets',
  traefikNamespace: 'traefik',
  traefikService: 'traefik',
  prometheusRelease: 'kube-prometheus-stack',
  queueLagThreshold: 1000,
  rolloutTimeoutSeconds: 300,
};

export interface DeployActionOptions {
  config: Config;
  /** Time to wait for the Traefik load balancer address (default 120 s). */
  loadBalancerTimeoutMs?: number;
}

const definedOnly = <T extends object>(input: T): Partial<T> =>
  Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>;

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
      'Deploys vote, worker, result and Redis (or NATS) to a DigitalOcean Kubernetes cluster: Namespace, Secret with the database connection, Deployments, Services, Traefik IngressRoute with TLS, ServiceMonitors, PrometheusRule, Grafana dashboard, PodDisruptionBudgets and an autoscaler for vote. Every object is first checked by the cluster\'s API server (server-side apply with dryRun=All and strict field validation: unknown fields, schemas, CEL rules, admission) before anything is applied; server-side apply; waits for every rollout. Outputs the URLs and the Traefik load balancer address.',
    supportsDryRun: true,
    examples,
    schema: {
      input: {
        clusterId: z => z.string().min(1).describe('DigitalOcean Kubernetes cluster id (its kubeconfig is fetched inside the action)'),
        databaseId: z => z.string().min(1).describe('DigitalOcean database cluster id (its connection goes into the Secret)'),
        domain: z => z.string().regex(DOMAIN, 'must be a domain such as example.com').describe('The apps are served at vote.<domain> and result.<domain>'),
        imageRepository: z =>
          z.string().regex(/^[a-z0-9][a-z0-9.:/_-]*[a-z0-9]$/, 'must be a registry path such as registry.example.com/team').describe('Registry path of the vote, worker and result images'),
        imageTag: z => z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a valid image tag').optional().describe('Image tag (default latest)'),
        namespace: z => z.string().max(63).regex(DNS_LABEL, 'must be a DNS label').optional().describe('Namespace (default voting)'),
        tlsSecretName: z => z.string().regex(DNS_LABEL).optional().describe('TLS Secret with the Cloudflare origin certificate (default cloudflare-origin-tls)'),
        tlsCertificateFile: z => z.string().min(1).optional().describe('Workspace path of the PEM certificate to store in the TLS Secret (e.g. the output certificatePath of cloudflare:origin-certificate:create); without it the Secret must exist'),
        tlsKeyFile: z => z.string().min(1).optional().describe('Workspace path of its private key (keyPath of the same step)'),
        queue: z => z.enum(['redis', 'nats']).optional().describe('Queue backend (default redis)'),
        workerReplicas: z => z.number().int().min(1).max(20).optional().describe('Worker replicas (default 1)'),
        resultReplicas: z => z.number().int().min(1).max(50).optional().describe('Result replicas (default 2)'),
        voteMinReplicas: z => z.number().int().min(1).max(50).optional().describe('Vote autoscaler minimum (default 2)'),
        voteMaxReplicas: z => z.number().int().min(1).max(100).optional().describe('Vote autoscaler maximum (default 10)'),
        voteCpuTargetPercent: z => z.number().int().min(10).max(100).optional().describe('Vote autoscaler CPU target (default 70)'),
        pollId: z => z.string().regex(/^[a-z0-9-]{1,63}$/).optional(),
        question: z => z.string().min(1).max(60).optional(),
        optionA: z => z.string().min(1).max(60).optional(),
        optionB: z => z.string().min(1).max(60).optional(),
        traefikNamespace: z => z.string().regex(DNS_LABEL).optional().describe('Namespace of the Traefik release (default traefik)'),
        traefikService: z => z.string().regex(DNS_LABEL).optional().describe('Traefik LoadBalancer Service (default traefik)'),
        prometheusRelease: z => z.string().regex(DNS_LABEL).optional().describe('kube-prometheus-stack release (label on ServiceMonitors and rules; default kube-prometheus-stack)'),
        queueLagThreshold: z => z.number().int().min(1).optional().describe('Queue lag that fires VotingQueueLagHigh (default 1000)'),
        rolloutTimeoutSeconds: z => z.number().int().min(5).max(3600).optional().describe('How long to wait for rollouts (default 300)'),
      },
      output: {
        voteUrl: z => z.string(),
        resultUrl: z => z.string(),
        loadBalancerAddress: z => z.string().describe("Traefik load balancer's IP or host name (for the DNS records)"),
        namespace: z => z.string(),
        objects: z => z.array(z.string()).describe('Kind/namespace/name of every applied object, in order'),
        changed: z => z.array(z.string()).describe('Objects this run created or changed (empty on a re-run with the same inputs)'),
      },
    },
    async handler(ctx) {
      const input = { ...DEFAULTS, ...definedOnly(ctx.input) } as typeof DEFAULTS & typeof ctx.input;
      // checks across inputs, before any request
      if (input.optionA === input.optionB) throw new Error('optionA and optionB must differ');
      if (input.voteMinReplicas > input.voteMaxReplicas) throw new Error('voteMinReplicas must not exceed voteMaxReplicas');
      const cookieFromSecrets = ctx.secrets?.[COOKIE_SECRET];
      if (cookieFromSecrets !== undefined && cookieFromSecrets.length < 32) throw new Error(`the ${COOKIE_SECRET} task secret must have at least 32 characters`);
      if (!input.tlsCertificateFile !== !input.tlsKeyFile) throw new Error('tlsCertificateFile and tlsKeyFile go together: give both or neither');
      // read from the workspace (never from outside it); the key goes into the Secret only
      const tls =
        input.tlsCertificateFile && input.tlsKeyFile
          ? {
              certificate: await readFile(resolveSafeChildPath(ctx.workspacePath, input.tlsCertificateFile), 'utf8'),
              key: await readFile(resolveSafeChildPath(ctx.workspacePath, input.tlsKeyFile), 'utf8'),
            }
          : undefined;
      if (tls && !/-----BEGIN CERTIFICATE-----/.test(tls.certificate)) throw new Error(`${input.tlsCertificateFile} holds no PEM certificate`);
      if (tls && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(tls.key)) throw new Error(`${input.tlsKeyFile} holds no PEM private key`);
      const h = hosts(input.domain);
      const urls = { vote: `https://${h.vote}`, result: `https://${h.result}` };

      const settings = (secret: VotingDeploySettings['secret'], features: VotingDeploySettings['features']): VotingDeploySettings => ({
        namespace: input.namespace,
        imageRepository: input.imageRepository,
        imageTag: input.imageTag,
        domain: input.domain,
        tlsSecretName: input.tlsSecretName,
        tls,
        queue: input.queue,
        worker: { replicas: input.workerReplicas },
        result: { replicas: input.resultReplicas },
        vote: { minReplicas: input.voteMinReplicas, maxReplicas: input.voteMaxReplicas, cpuTargetPercent: input.voteCpuTargetPercent },
        poll: { id: input.pollId, question: input.question, optionA: input.optionA, optionB: input.optionB },
        secret,
        prometheusRelease: input.prometheusRelease,
        queueLagThreshold: input.queueLagThreshold,
        features,
      });

      if (ctx.isDryRun) {
        const objects = votingDeployManifests(settings({ name: input.secretName, postgresUrl: 'postgresql://dry-run', voteCookieSecret: 'x'.repeat(32) }, { ingressRoute: true, monitoring: true }));
        ctx.logger.info(`dry run: would apply ${objects.length} objects to cluster ${input.clusterId}: ${objects.map(ref).join(', ')}`);
        ctx.output('voteUrl', urls.vote);
        ctx.output('resultUrl', urls.result);
        ctx.output('loadBalancerAddress', '');
        ctx.output('namespace', input.namespace);
        ctx.output('objects', objects.map(ref));
        ctx.output('changed', []);
        return;
      }

      const digitalocean = digitalOceanReader(options.config, ctx.secrets);
      ctx.logger.info(`fetching the kubeconfig of cluster ${input.clusterId} and the connection of database ${input.databaseId} from DigitalOcean`);
      const client = KubernetesConnection.fromKubeconfig(await digitalocean.kubeconfig(input.clusterId), { signal: ctx.signal });
      const postgresUrl = await digitalocean.databaseUri(input.databaseId);

      // keep the cookie secret already in the cluster unless one is given: sessions survive re-runs
      let voteCookieSecret = cookieFromSecrets;
      if (!voteCookieSecret) {
        const existing = await client.get<any>('v1', 'Secret', input.secretName, input.namespace);
        const current = existing?.data?.VOTE_COOKIE_SECRET;
        voteCookieSecret = current ? Buffer.from(current, 'base64').toString('utf8') : randomBytes(32).toString('base64url');
        if (!current) ctx.logger.info('generated a new vote cookie secret');
      }

      const hasIngressRoute = await client.served('traefik.io/v1alpha1', 'IngressRoute');
      const hasMonitoring = (await client.served('monitoring.coreos.com/v1', 'ServiceMonitor')) && (await client.served('monitoring.coreos.com/v1', 'PrometheusRule'));
      if (!hasIngressRoute) ctx.logger.warn('the cluster has no IngressRoute CRD (traefik.io/v1alpha1; install Traefik first): using a networking.k8s.io Ingress of class traefik instead');
      if (!hasMonitoring) ctx.logger.warn('the cluster has no ServiceMonitor/PrometheusRule CRDs (monitoring.coreos.com/v1; install kube-prometheus-stack first): skipping ServiceMonitors and alert rules');

      const objects = votingDeployManifests(settings({ name: input.secretName, postgresUrl, voteCookieSecret }, { ingressRoute: hasIngressRoute, monitoring: hasMonitoring }));
      // built-in kinds first, then the kinds that need CRDs
      objects.sort((a, b) => Number(CRD_KINDS.has(a.kind)) - Number(CRD_KINDS.has(b.kind)));

      // the API server checks every object (dry run) before anything is applied
      const check = await checkWithServer(client, objects, FIELD_MANAGER);
      if (check.problems.length > 0) {
        throw new Error(`${check.problems.length} problem(s) in the generated manifests, nothing applied:\n${check.problems.join('\n')}`);
      }
      const waiting = new Set(check.deferred);
      ctx.logger.info(
        waiting.size === 0
          ? `the API server accepts all ${objects.length} objects (dry run)`
          : `the API server accepts the fields of all ${objects.length} objects (dry run); ${waiting.size} in namespace ${input.namespace} go through admission again once it exists`,
      );

      const digest = createHash('sha256').update(JSON.stringify(objects)).digest('hex').slice(0, 16);
      const changed = await ctx.checkpoint({
        key: `voting-deploy-apply-${digest}`,
        fn: async () => {
          const touched: string[] = [];
          const applied: string[] = [];
          for (const obj of objects) {
            if (waiting.has(obj)) {
              // its namespace exists now: the full dry run, before any object in it is applied
              const again = await checkWithServer(client, [...waiting], FIELD_MANAGER);
              if (again.problems.length > 0) {
                throw new Error(`${again.problems.length} problem(s) in the generated manifests; applied only ${applied.join(', ')}:\n${again.problems.join('\n')}`);
              }
              waiting.clear();
            }
            const before = await client.get(obj.apiVersion, obj.kind, obj.metadata.name, obj.metadata.namespace);
            const after = await client.apply(obj, { fieldManager: FIELD_MANAGER });
            let state = 'created';
            if (before) state = before.metadata.resourceVersion === after.metadata.resourceVersion ? 'unchanged' : 'configured';
            applied.push(ref(obj));
            if (state !== 'unchanged') touched.push(ref(obj));
            ctx.logger.info(`${ref(obj)} ${state}`);
          }
          return touched;
        },
      });

      await waitForRollouts(
        client,
        objects.filter(o => o.kind === 'Deployment').map(o => ({ namespace: o.metadata.namespace!, name: o.metadata.name, minReplicas: o.metadata.name === 'vote' ? input.voteMinReplicas : undefined })),
        ctx.logger,
        input.rolloutTimeoutSeconds * 1000,
        ctx.signal,
      );
      const address = await waitForLoadBalancer(client, input.traefikNamespace, input.traefikService, ctx.logger, options.loadBalancerTimeoutMs ?? 120_000);
      ctx.logger.info(`deployed: ${urls.vote} and ${urls.result} behind ${address}`);
      ctx.output('voteUrl', urls.vote);
      ctx.output('resultUrl', urls.result);
      ctx.output('loadBalancerAddress', address);
      ctx.output('namespace', input.namespace);
      ctx.output('objects', objects.map(ref));
      ctx.output('changed', changed);
    },
  });
}
