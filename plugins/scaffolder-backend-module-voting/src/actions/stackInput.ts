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

type Z = typeof zod;

/**
 * The inputs voting:deploy and voting:manifests:render share: what the stack looks like. The
 * scaffolder fills in no zod defaults, so {@link STACK_DEFAULTS} are applied in the handlers.
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
      .optional()
      .describe('Image tag (default latest)'),
  namespace: (z: Z) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .optional()
      .describe('Namespace (default voting)'),
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
      .optional()
      .describe(
        'TLS Secret with the Cloudflare origin certificate (default cloudflare-origin-tls)',
      ),
  secretName: (z: Z) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .optional()
      .describe(
        'Secret with POSTGRES_URL and VOTE_COOKIE_SECRET (default voting-secrets)',
      ),
  queue: (z: Z) =>
    z
      .enum(['redis', 'nats'])
      .optional()
      .describe(
        'Queue backend (default redis): Redis with AOF on a volume, or a 3-node NATS JetStream cluster',
      ),
  storageClassName: (z: Z) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .optional()
      .describe(
        "StorageClass of the queue's volumes (default do-block-storage)",
      ),
  queueStorageSize: (z: Z) =>
    z
      .string()
      .regex(STORAGE_SIZE, 'must be a size such as 1Gi')
      .optional()
      .describe('Size of each queue volume (default 1Gi)'),
  workerReplicas: (z: Z) =>
    z
      .number()
      .int()
      .min(1)
      .max(20)
      .optional()
      .describe('Worker replicas (default 1)'),
  resultReplicas: (z: Z) =>
    z
      .number()
      .int()
      .min(1)
      .max(50)
      .optional()
      .describe('Result replicas (default 2)'),
  voteMinReplicas: (z: Z) =>
    z
      .number()
      .int()
      .min(1)
      .max(50)
      .optional()
      .describe('Vote autoscaler minimum (default 2)'),
  voteMaxReplicas: (z: Z) =>
    z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe('Vote autoscaler maximum (default 10)'),
  voteCpuTargetPercent: (z: Z) =>
    z
      .number()
      .int()
      .min(10)
      .max(100)
      .optional()
      .describe('Vote autoscaler CPU target (default 70)'),
  pollId: (z: Z) =>
    z
      .string()
      .regex(POLL_ID)
      .optional()
      .describe('Poll id (default "default")'),
  question: (z: Z) =>
    z
      .string()
      .min(1)
      .max(60)
      .optional()
      .describe('Question (default "Cats or dogs?")'),
  optionA: (z: Z) =>
    z
      .string()
      .min(1)
      .max(60)
      .optional()
      .describe('First option (default Cats)'),
  optionB: (z: Z) =>
    z
      .string()
      .min(1)
      .max(60)
      .optional()
      .describe('Second option (default Dogs)'),
  prometheusRelease: (z: Z) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .optional()
      .describe(
        'kube-prometheus-stack release (label on ServiceMonitors and rules; default kube-prometheus-stack)',
      ),
  queueLagThreshold: (z: Z) =>
    z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Queue lag that fires VotingQueueLagHigh (default 1000)'),
};

export const STACK_DEFAULTS = {
  namespace: 'voting',
  imageTag: 'latest',
  tlsSecretName: 'cloudflare-origin-tls',
  secretName: 'voting-secrets',
  queue: 'redis' as 'redis' | 'nats',
  storageClassName: 'do-block-storage',
  queueStorageSize: '1Gi',
  workerReplicas: 1,
  resultReplicas: 2,
  voteMinReplicas: 2,
  voteMaxReplicas: 10,
  voteCpuTargetPercent: 70,
  pollId: 'default',
  question: 'Cats or dogs?',
  optionA: 'Cats',
  optionB: 'Dogs',
  prometheusRelease: 'kube-prometheus-stack',
  queueLagThreshold: 1000,
};

export type StackInput = { imageRepository: string; domain?: string } & Partial<
  typeof STACK_DEFAULTS
>;

/** The input with every default filled in, the stack's and the action's own (inputs given as undefined count as left out). */
export function withDefaults<T extends StackInput, D extends object = {}>(
  input: T,
  actionDefaults?: D,
): T & typeof STACK_DEFAULTS & D {
  const given = Object.fromEntries(
    Object.entries(input).filter(([, v]) => v !== undefined),
  );
  return { ...STACK_DEFAULTS, ...actionDefaults, ...given } as T &
    typeof STACK_DEFAULTS &
    D;
}

/** Checks across inputs, before any request. */
export function checkStackInput(input: typeof STACK_DEFAULTS): void {
  if (input.optionA === input.optionB)
    throw new Error('optionA and optionB must differ');
  if (input.voteMinReplicas > input.voteMaxReplicas)
    throw new Error('voteMinReplicas must not exceed voteMaxReplicas');
}

/** The generator's options from the inputs; what only a cluster can tell comes from the caller. */
export function manifestOptions(
  input: StackInput & typeof STACK_DEFAULTS,
  cluster: Pick<VotingManifestOptions, 'secret' | 'tls'> & {
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
    tls: cluster.tls,
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
        }
      : undefined,
    monitoring: {
      prometheusRelease: input.prometheusRelease,
      queueLagThreshold: input.queueLagThreshold,
      operatorKinds: cluster.monitoringKinds,
    },
  };
}
