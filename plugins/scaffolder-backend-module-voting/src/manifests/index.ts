import { app, autoscaler } from './app';
import { b64, labels, metadata, type KubeObject } from './common';
import { ingress, type IngressOptions } from './ingress';
import { monitoring, type MonitoringOptions } from './monitoring';
import { queue, type QueueOptions } from './queue';
import { hosts } from './rules';

export { CRD_KINDS } from './common';
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
   * The Secret with POSTGRES_URL and VOTE_COOKIE_SECRET. With `values` it is generated; without,
   * it must exist and is only referenced (rendered manifests never hold a secret).
   */
  secret: {
    name: string;
    values?: { postgresUrl: string; voteCookieSecret: string };
  };
  queue: Omit<QueueOptions, 'namespace'>;
  /** Without it, no Ingress (the Services are reachable inside the cluster only). */
  ingress?: Omit<IngressOptions, 'namespace'>;
  monitoring: Omit<MonitoringOptions, 'namespace'>;
}

const secretEnv = (secretName: string, key: string) => ({
  name: key,
  valueFrom: { secretKeyRef: { name: secretName, key } },
});

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
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: metadata(o.secret.name, ns, labels('voting-secrets')),
      type: 'Opaque',
      data: {
        POSTGRES_URL: b64(o.secret.values.postgresUrl),
        VOTE_COOKIE_SECRET: b64(o.secret.values.voteCookieSecret),
      },
    });
  }
  objects.push(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata('voting-config', ns),
      data: {
        HOST: '0.0.0.0',
        ...q.config,
        POLL_ID: o.poll.id,
        POLL_QUESTION: o.poll.question,
        OPTION_A: o.poll.optionA,
        OPTION_B: o.poll.optionB,
      },
    },
    ...q.objects,
    ...app({
      ...image,
      name: 'worker',
      replicas: o.worker.replicas,
      env: [secretEnv(o.secret.name, 'POSTGRES_URL'), ...q.workerEnv],
    }),
    ...app({
      ...image,
      name: 'vote',
      // the autoscaler owns vote's replica count
      replicas: undefined,
      env: [
        secretEnv(o.secret.name, 'VOTE_COOKIE_SECRET'),
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
    }),
    autoscaler('vote', ns, o.vote),
    ...app({
      ...image,
      name: 'result',
      replicas: o.result.replicas,
      env: [secretEnv(o.secret.name, 'POSTGRES_URL')],
    }),
  );
  if (o.ingress) objects.push(ingress({ ...o.ingress, namespace: ns }));
  objects.push(...monitoring({ ...o.monitoring, namespace: ns }));
  return objects;
}
