import { app, autoscaler } from './app';
import {
  b64,
  checksum,
  labels,
  metadata,
  STACK_LABEL,
  type KubeObject,
} from './common';
import { ingress, type IngressOptions } from './ingress';
import { monitoring, type MonitoringOptions } from './monitoring';
import { queue, type QueueOptions } from './queue';
import { hosts } from './rules';

export { CRD_KINDS, STACK_LABEL } from './common';
export { NATS_NODES } from './queue';

/** Plain options of one deployment of the voting stack; each part goes to one builder. */
export interface VotingManifestOptions {
  namespace: string;
  imageRepository: string;
  imageTag: string;
  poll: { id: string; question: string; optionA: string; optionB: string };
  worker: { replicas: number };
  result: { replicas: number };
  /** vote is autoscaled between these. */
  vote: { minReplicas: number; maxReplicas: number; cpuTargetPercent: number };
  /**
   * The Secret with POSTGRES_URL, POSTGRES_SESSION_URL and VOTE_COOKIE_SECRET. With `values` it
   * is generated; without, it must exist and is only referenced (rendered manifests never hold a
   * secret; POSTGRES_SESSION_URL is optional in it, the apps then use POSTGRES_URL for both).
   */
  secret: {
    name: string;
    values?: SecretValues;
  };
  queue: Omit<QueueOptions, 'namespace'>;
  /** Without it, no Ingress (the Services are reachable inside the cluster only). */
  ingress?: Omit<IngressOptions, 'namespace'>;
  monitoring: Omit<MonitoringOptions, 'namespace'>;
}

/**
 * What the app's Secret holds. `postgresUrl`: the app user through the connection pool
 * (PgBouncer in transaction mode: every statement of the apps' hot paths);
 * `postgresSessionUrl`: the same user straight to the database, for what needs a session of its
 * own, which a transaction-mode pool does not keep (migrations under node-pg-migrate's advisory
 * lock, the worker's rebuild lock, the result app's LISTEN).
 */
export interface SecretValues {
  postgresUrl: string;
  postgresSessionUrl: string;
  voteCookieSecret: string;
}

const SECRET_KEYS: Record<keyof SecretValues, string> = {
  postgresUrl: 'POSTGRES_URL',
  postgresSessionUrl: 'POSTGRES_SESSION_URL',
  voteCookieSecret: 'VOTE_COOKIE_SECRET',
};

/** The kinds the generator makes in a namespace: where a run looks for what it no longer wants. */
export const PRUNABLE_KINDS: ReadonlyArray<{
  apiVersion: string;
  kind: string;
}> = [
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' },
];

/**
 * The objects of a deployment of the voting stack, in apply order (Namespace first). Pure: the
 * same options give the same objects.
 */
export function votingManifests(o: VotingManifestOptions): KubeObject[] {
  const ns = o.namespace;
  const q = queue({ ...o.queue, namespace: ns });
  const image = {
    namespace: ns,
    imageRepository: o.imageRepository,
    imageTag: o.imageTag,
  };
  const config = {
    HOST: '0.0.0.0',
    ...q.config,
    POLL_ID: o.poll.id,
    POLL_QUESTION: o.poll.question,
    OPTION_A: o.poll.optionA,
    OPTION_B: o.poll.optionB,
  };
  /**
   * A service's environment from the Secret, and its pod template's checksums of the ConfigMap
   * and of the Secret's keys it reads: a change of either rolls its pods (environment is read at
   * start only). A referenced Secret's content is unknown here, so it has no checksum.
   */
  const reads = (
    keys: Array<keyof SecretValues>,
    optional: Array<keyof SecretValues> = [],
  ) => ({
    env: [...keys, ...optional].map(key => ({
      name: SECRET_KEYS[key],
      valueFrom: {
        secretKeyRef: {
          name: o.secret.name,
          key: SECRET_KEYS[key],
          ...(optional.includes(key) ? { optional: true } : {}),
        },
      },
    })),
    podAnnotations: {
      'checksum/config': checksum(config),
      ...(o.secret.values
        ? {
            'checksum/secret': checksum(
              [...keys, ...optional].map(key => o.secret.values![key]),
            ),
          }
        : {}),
    },
  });
  // the session URL is optional in a Secret made by hand: the apps fall back to POSTGRES_URL
  const database = reads(['postgresUrl'], ['postgresSessionUrl']);
  const vote = reads(['voteCookieSecret']);
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: {
          'app.kubernetes.io/part-of': labels(ns)['app.kubernetes.io/part-of'],
        },
      },
    },
  ];
  if (o.secret.values) {
    const values = o.secret.values;
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: metadata(o.secret.name, ns, labels('voting-secrets')),
      type: 'Opaque',
      data: Object.fromEntries(
        (Object.keys(SECRET_KEYS) as Array<keyof SecretValues>).map(key => [
          SECRET_KEYS[key],
          b64(values[key]),
        ]),
      ),
    });
  }
  objects.push(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata('voting-config', ns),
      data: config,
    },
    ...q.objects,
    ...app({
      ...image,
      name: 'worker',
      replicas: o.worker.replicas,
      env: [...database.env, ...q.workerEnv],
      podAnnotations: database.podAnnotations,
    }),
    ...app({
      ...image,
      name: 'vote',
      // the autoscaler owns vote's replica count
      replicas: undefined,
      env: [
        ...vote.env,
        { name: 'TRUST_PROXY', value: 'true' },
        ...(o.ingress
          ? [
              {
                name: 'RESULT_URL',
                value: `https://${hosts(o.ingress.domain).result}`,
              },
            ]
          : []),
      ],
      podAnnotations: vote.podAnnotations,
    }),
    autoscaler('vote', ns, o.vote),
    ...app({
      ...image,
      name: 'result',
      replicas: o.result.replicas,
      env: database.env,
      podAnnotations: database.podAnnotations,
    }),
  );
  if (o.ingress) objects.push(ingress({ ...o.ingress, namespace: ns }));
  objects.push(...monitoring({ ...o.monitoring, namespace: ns }));
  // every object but the Namespace (never pruned) names its stack
  for (const obj of objects.slice(1))
    obj.metadata.labels = { ...obj.metadata.labels, [STACK_LABEL]: ns };
  return objects;
}
