import type { Zod } from '@voting-platform/plugin-scaffolder-actions-node';
import type { z as zod } from 'zod/v3';
import type { VotingManifestOptions } from '../manifests';
import {
  DNS_LABEL,
  DNS_LABEL_MESSAGE,
  DOMAIN,
  DOMAIN_MESSAGE,
  IMAGE_REPOSITORY,
  IMAGE_REPOSITORY_MESSAGE,
  IMAGE_TAG,
  IMAGE_TAG_MESSAGE,
  POLL_ID,
  STORAGE_SIZE,
} from '../manifests/rules';

type Z = Zod;

/** The HTTP port of Grafana's Service in kube-prometheus-stack (the grafana chart's default). */
const GRAFANA_PORT = 80;

/**
 * The inputs voting:stack:ensure and voting:manifests:render share: what the stack looks like,
 * with its defaults (the handlers' `parseInput` applies them; the scaffolder does not).
 */
export const stackInput = {
  imageRepository: (z: Z) =>
    z
      .string()
      .regex(IMAGE_REPOSITORY, IMAGE_REPOSITORY_MESSAGE)
      .describe('Registry path of the vote, worker and result images'),
  imageTag: (z: Z) =>
    z
      .string()
      .regex(IMAGE_TAG, IMAGE_TAG_MESSAGE)
      .default('latest')
      .describe('Image tag'),
  namespace: (z: Z) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .default('voting')
      .describe('Namespace'),
  domain: (z: Z) =>
    z
      .string()
      .regex(DOMAIN, DOMAIN_MESSAGE)
      .optional()
      .describe('The apps are served at vote.<domain> and result.<domain>'),
  tlsSecretName: (z: Z) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .default('cloudflare-origin-tls')
      .describe(
        'The kubernetes.io/tls Secret with the Cloudflare origin certificate and its key (cloudflare:origin-certificate:ensure keeps it)',
      ),
  secretName: (z: Z) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .default('voting-secrets')
      .describe('Secret with POSTGRES_URL and VOTE_COOKIE_SECRET'),
  queue: (z: Z) =>
    z
      .enum(['redis', 'nats'])
      .default('redis')
      .describe(
        'Queue backend: Redis with AOF on a volume, or a 3-node NATS JetStream cluster',
      ),
  storageClassName: (z: Z) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .default('do-block-storage')
      .describe("StorageClass of the queue's volumes"),
  queueStorageSize: (z: Z) =>
    z
      .string()
      .regex(STORAGE_SIZE, 'must be a size such as 1Gi')
      .default('1Gi')
      .describe('Size of each queue volume'),
  workerReplicas: (z: Z) =>
    z.number().int().min(1).max(20).default(1).describe('Worker replicas'),
  resultReplicas: (z: Z) =>
    z.number().int().min(1).max(50).default(2).describe('Result replicas'),
  voteMinReplicas: (z: Z) =>
    z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(2)
      .describe('Vote autoscaler minimum'),
  voteMaxReplicas: (z: Z) =>
    z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(10)
      .describe('Vote autoscaler maximum'),
  voteCpuTargetPercent: (z: Z) =>
    z
      .number()
      .int()
      .min(10)
      .max(100)
      .default(70)
      .describe('Vote autoscaler CPU target'),
  pollId: (z: Z) =>
    z.string().regex(POLL_ID).default('default').describe('Poll id'),
  question: (z: Z) =>
    z.string().min(1).max(60).default('Cats or dogs?').describe('Question'),
  optionA: (z: Z) =>
    z.string().min(1).max(60).default('Cats').describe('First option'),
  optionB: (z: Z) =>
    z.string().min(1).max(60).default('Dogs').describe('Second option'),
  prometheusRelease: (z: Z) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .default('kube-prometheus-stack')
      .describe(
        'kube-prometheus-stack release (label on ServiceMonitors and rules)',
      ),
  grafanaService: (z: Z) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .optional()
      .describe(
        "Grafana's Service (the grafanaServiceName output of kubernetes:helm-release:ensure with the kube-prometheus-stack preset), served at grafana.<domain> through the IngressRoute; Traefik must allow cross-namespace references (its preset does). Without it Grafana gets no public address",
      ),
  monitoringNamespace: (z: Z) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .default('monitoring')
      .describe("Namespace of Grafana's Service"),
  queueLagThreshold: (z: Z) =>
    z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe('Queue lag that fires VotingQueueLagHigh'),
};

/** The stack's inputs as `parseInput` gives them: defaults applied. */
export type StackInput = {
  [K in keyof typeof stackInput]: zod.output<
    ReturnType<(typeof stackInput)[K]>
  >;
};

/** The checks across the stack's inputs that a JSON schema cannot express (`parseInput`'s `refine`). */
export function refineStackInput(
  input: Pick<
    StackInput,
    'optionA' | 'optionB' | 'voteMinReplicas' | 'voteMaxReplicas'
  >,
  ctx: zod.RefinementCtx,
): void {
  if (input.optionA === input.optionB)
    ctx.addIssue({
      code: 'custom',
      path: ['optionB'],
      message: 'must differ from optionA',
    });
  if (input.voteMinReplicas > input.voteMaxReplicas)
    ctx.addIssue({
      code: 'custom',
      path: ['voteMinReplicas'],
      message: `must not exceed voteMaxReplicas (${input.voteMaxReplicas})`,
    });
}

/** The generator's options from the inputs; what only a cluster can tell comes from the caller. */
export function manifestOptions(
  input: StackInput,
  cluster: Pick<VotingManifestOptions, 'secret'> & {
    ingressKind: 'IngressRoute' | 'Ingress';
    ingressClassName: string;
    monitoringKinds: boolean;
  },
): VotingManifestOptions {
  return {
    namespace: input.namespace,
    imageRepository: input.imageRepository,
    imageTag: input.imageTag,
    poll: {
      id: input.pollId,
      question: input.question,
      optionA: input.optionA,
      optionB: input.optionB,
    },
    worker: { replicas: input.workerReplicas },
    result: { replicas: input.resultReplicas },
    vote: {
      minReplicas: input.voteMinReplicas,
      maxReplicas: input.voteMaxReplicas,
      cpuTargetPercent: input.voteCpuTargetPercent,
    },
    secret: cluster.secret,
    queue: {
      kind: input.queue,
      storageClassName: input.storageClassName,
      storageSize: input.queueStorageSize,
    },
    ingress: input.domain
      ? {
          domain: input.domain,
          kind: cluster.ingressKind,
          className: cluster.ingressClassName,
          tlsSecretName: input.tlsSecretName,
          grafana: input.grafanaService
            ? {
                namespace: input.monitoringNamespace,
                name: input.grafanaService,
                port: GRAFANA_PORT,
              }
            : undefined,
        }
      : undefined,
    monitoring: {
      prometheusRelease: input.prometheusRelease,
      queueLagThreshold: input.queueLagThreshold,
      operatorKinds: cluster.monitoringKinds,
    },
  };
}
