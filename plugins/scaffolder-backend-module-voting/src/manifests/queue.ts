import {
  CONTAINER_SECURITY,
  labels,
  metadata,
  podDisruptionBudget,
  podSecurity,
  resources,
  selector,
  type KubeObject,
} from './common';

export interface QueueOptions {
  kind: 'redis' | 'nats';
  namespace: string;
  /** StorageClass of the queue's volumes (DigitalOcean's block storage by default). */
  storageClassName: string;
  /** Size of each volume, e.g. 1Gi. */
  storageSize: string;
}

export interface Queue {
  objects: KubeObject[];
  /** What the vote app and the worker read to reach it (the shared ConfigMap). */
  config: Record<string, string>;
  /** Environment only the worker gets. */
  workerEnv: object[];
}

/** Pods of a NATS cluster; a JetStream stream with 3 replicas keeps its votes with one node lost. */
export const NATS_NODES = 3;

const REDIS_IMAGE = 'redis:7.4-alpine';
const NATS_IMAGE = 'nats:2.11-alpine';

/**
 * A queue server's StatefulSet: pods with a volume each (a claim of the given class, kept when
 * the StatefulSet is deleted, so deleting a deployment never deletes queued votes), non-root,
 * and its one container with the data directory mounted, limits and a read-only root.
 */
function queueStatefulSet(
  o: QueueOptions,
  shape: {
    replicas: number;
    serviceName: string;
    uid: number;
    gracePeriodSeconds: number;
    spec?: object;
    pod?: object;
    container: Record<string, unknown>;
  },
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(o.kind, o.namespace),
    spec: {
      replicas: shape.replicas,
      serviceName: shape.serviceName,
      ...shape.spec,
      selector: { matchLabels: selector(o.kind) },
      persistentVolumeClaimRetentionPolicy: {
        whenDeleted: 'Retain',
        whenScaled: 'Retain',
      },
      template: {
        metadata: { labels: labels(o.kind) },
        spec: {
          securityContext: podSecurity(shape.uid),
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: shape.gracePeriodSeconds,
          ...shape.pod,
          containers: [
            {
              name: o.kind,
              ...shape.container,
              resources: resources('100m', '128Mi', '1', '512Mi'),
              securityContext: CONTAINER_SECURITY,
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data', labels: labels(o.kind) },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: o.storageClassName,
            resources: { requests: { storage: o.storageSize } },
          },
        },
      ],
    },
  };
}

/**
 * Redis on a volume: a one-pod StatefulSet whose PersistentVolumeClaim follows the pod when it
 * moves. AOF with `appendfsync always`: a 202 is only answered once the vote is on disk (see the
 * README's durability table). `noeviction`: an evicted voter key would go unnoticed, so a full
 * Redis refuses writes instead, and `maxmemory` below the container's limit makes that happen
 * before the kernel kills it.
 */
function redis(o: QueueOptions): Queue {
  const statefulSet = queueStatefulSet(o, {
    replicas: 1,
    serviceName: 'redis',
    uid: 999,
    // AOF's last fsync gets time to finish before the kill
    gracePeriodSeconds: 30,
    container: {
      image: REDIS_IMAGE,
      args: [
        '--dir',
        '/data',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--maxmemory',
        '400mb',
        '--maxmemory-policy',
        'noeviction',
      ],
      ports: [{ name: 'redis', containerPort: 6379 }],
      // ready once it answers PONG, not while it answers LOADING (reading its AOF back after a move)
      readinessProbe: {
        exec: { command: ['sh', '-c', 'redis-cli ping | grep -q PONG'] },
        periodSeconds: 5,
      },
      livenessProbe: {
        tcpSocket: { port: 'redis' },
        initialDelaySeconds: 10,
        periodSeconds: 10,
      },
    },
  });
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata('redis', o.namespace),
    spec: {
      selector: selector('redis'),
      ports: [{ name: 'redis', port: 6379, targetPort: 'redis' }],
    },
  };
  return {
    // One pod: a drain waits for it rather than taking the queue down unannounced (the
    // autoscaler never empties its node to save money).
    objects: [
      service,
      statefulSet,
      podDisruptionBudget('redis', o.namespace, { minAvailable: 1 }),
    ],
    config: { QUEUE_BACKEND: 'redis', REDIS_URL: 'redis://redis:6379' },
    workerEnv: [],
  };
}

/**
 * NATS JetStream as a cluster of three: a StatefulSet with a volume per pod, a headless Service
 * through which the pods find each other (routes), pods on different nodes, and the worker's
 * stream replicated to all three.
 */
function nats(o: QueueOptions): Queue {
  const routes = Array.from(
    { length: NATS_NODES },
    (_, i) => `nats://nats-${i}.nats-headless.${o.namespace}.svc:6222`,
  ).join(',');
  const statefulSet = queueStatefulSet(o, {
    replicas: NATS_NODES,
    serviceName: 'nats-headless',
    uid: 1000,
    gracePeriodSeconds: 60,
    // the three start together: JetStream needs a quorum of them before any is ready
    spec: { podManagementPolicy: 'Parallel' },
    // one node lost takes one replica only
    pod: {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            {
              labelSelector: { matchLabels: selector('nats') },
              topologyKey: 'kubernetes.io/hostname',
            },
          ],
        },
      },
    },
    container: {
      image: NATS_IMAGE,
      env: [
        {
          name: 'POD_NAME',
          valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
        },
      ],
      args: [
        '--name',
        '$(POD_NAME)',
        '-js',
        '-sd',
        '/data',
        '-m',
        '8222',
        '--cluster_name',
        'voting',
        '--cluster',
        'nats://0.0.0.0:6222',
        '--routes',
        routes,
      ],
      ports: [
        { name: 'client', containerPort: 4222 },
        { name: 'cluster', containerPort: 6222 },
        { name: 'monitor', containerPort: 8222 },
      ],
      readinessProbe: {
        httpGet: { path: '/healthz?js-enabled-only=true', port: 'monitor' },
        periodSeconds: 5,
      },
      livenessProbe: {
        httpGet: { path: '/healthz?js-enabled-only=true', port: 'monitor' },
        initialDelaySeconds: 10,
        periodSeconds: 10,
      },
    },
  });
  const headless: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata('nats-headless', o.namespace, labels('nats')),
    spec: {
      clusterIP: 'None',
      // routes are set up before a pod is ready (it is ready only once it has its peers)
      publishNotReadyAddresses: true,
      selector: selector('nats'),
      ports: [
        { name: 'client', port: 4222, targetPort: 'client' },
        { name: 'cluster', port: 6222, targetPort: 'cluster' },
      ],
    },
  };
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata('nats', o.namespace),
    spec: {
      selector: selector('nats'),
      ports: [{ name: 'client', port: 4222, targetPort: 'client' }],
    },
  };
  return {
    // at most one down at a time: two of three keep the quorum
    objects: [
      headless,
      service,
      statefulSet,
      podDisruptionBudget('nats', o.namespace, { maxUnavailable: 1 }),
    ],
    config: { QUEUE_BACKEND: 'nats', NATS_URL: 'nats://nats:4222' },
    workerEnv: [{ name: 'NATS_STREAM_REPLICAS', value: String(NATS_NODES) }],
  };
}

/** The queue the template's queue field chooses. */
export const queue = (o: QueueOptions): Queue =>
  o.kind === 'redis' ? redis(o) : nats(o);
