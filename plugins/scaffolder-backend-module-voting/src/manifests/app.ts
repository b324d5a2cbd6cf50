import { imageOf } from './rules';
import {
  CONTAINER_SECURITY,
  metadata,
  podDisruptionBudget,
  podSecurity,
  resources,
  selector,
  type KubeObject,
} from './common';

export type AppName = 'vote' | 'result' | 'worker';

/** Ports the services listen on (each also serves /healthz, /readyz and /metrics there). */
export const APP_PORTS: Record<AppName, number> = {
  vote: 8080,
  result: 8081,
  worker: 8082,
};

export interface AppOptions {
  name: AppName;
  namespace: string;
  imageRepository: string;
  imageTag: string;
  /** Left out when an autoscaler owns the count (applying one would fight it). */
  replicas?: number;
  /** Environment besides the shared ConfigMap. */
  env: object[];
  /** On the pod template: a change of any rolls the pods (checksums of what they read). */
  podAnnotations: Record<string, string>;
}

/** A voting service: Deployment (probes, limits, non-root, read-only root), Service and PDB. */
export function app(o: AppOptions): KubeObject[] {
  const port = APP_PORTS[o.name];
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(o.name, o.namespace),
    spec: {
      ...(o.replicas === undefined ? {} : { replicas: o.replicas }),
      selector: { matchLabels: selector(o.name) },
      template: {
        metadata: {
          labels: metadata(o.name, o.namespace).labels,
          annotations: o.podAnnotations,
        },
        spec: {
          securityContext: podSecurity(1000),
          automountServiceAccountToken: false,
          volumes: [{ name: 'tmp', emptyDir: {} }],
          containers: [
            {
              name: o.name,
              image: imageOf(o.imageRepository, o.name, o.imageTag),
              ports: [{ name: 'http', containerPort: port }],
              envFrom: [{ configMapRef: { name: 'voting-config' } }],
              env: [{ name: 'PORT', value: String(port) }, ...o.env],
              readinessProbe: {
                httpGet: { path: '/readyz', port: 'http' },
                periodSeconds: 5,
                failureThreshold: 3,
              },
              livenessProbe: {
                httpGet: { path: '/healthz', port: 'http' },
                initialDelaySeconds: 10,
                periodSeconds: 10,
                failureThreshold: 3,
              },
              resources: resources('50m', '96Mi', '500m', '256Mi'),
              securityContext: CONTAINER_SECURITY,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
        },
      },
    },
  };
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(o.name, o.namespace),
    spec: {
      selector: selector(o.name),
      ports: [{ name: 'http', port: 80, targetPort: port }],
    },
  };
  return [
    deployment,
    service,
    podDisruptionBudget(o.name, o.namespace, { maxUnavailable: 1 }),
  ];
}

export interface AutoscalerOptions {
  minReplicas: number;
  maxReplicas: number;
  cpuTargetPercent: number;
}

export function autoscaler(
  name: AppName,
  namespace: string,
  o: AutoscalerOptions,
): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(name, namespace),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: o.minReplicas,
      maxReplicas: o.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: {
              type: 'Utilization',
              averageUtilization: o.cpuTargetPercent,
            },
          },
        },
      ],
    },
  };
}
