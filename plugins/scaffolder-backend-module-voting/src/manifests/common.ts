import { createHash } from 'node:crypto';
import type { KubeObject } from '@voting-platform/plugin-kubernetes-node';

export type { KubeObject };

const PART_OF = 'voting-app';

/**
 * The label naming the stack (its namespace) on every object voting:stack:ensure applies: what a
 * later run lists to find what it applied before and no longer wants (see `pruneKinds`).
 */
export const STACK_LABEL = 'voting.backstage.io/stack';

/** The labels of every object of a component. */
export const labels = (name: string) => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/part-of': PART_OF,
  'app.kubernetes.io/managed-by': 'backstage',
});

/** What Services, PDBs and monitors select a component's pods by. */
export const selector = (name: string) => ({ 'app.kubernetes.io/name': name });

export const metadata = (
  name: string,
  namespace: string,
  extraLabels: Record<string, string> = {},
) => ({
  name,
  namespace,
  labels: { ...labels(name), ...extraLabels },
});

export const b64 = (text: string) =>
  Buffer.from(text, 'utf8').toString('base64');

/** Non-root, the runtime's seccomp profile; files of mounted volumes owned by the pod's group. */
export const podSecurity = (uid: number) => ({
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: uid,
  fsGroup: uid,
  seccompProfile: { type: 'RuntimeDefault' },
});

export const CONTAINER_SECURITY = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

export const resources = (
  cpu: string,
  memory: string,
  cpuLimit: string,
  memoryLimit: string,
) => ({
  requests: { cpu, memory },
  limits: { cpu: cpuLimit, memory: memoryLimit },
});

export function podDisruptionBudget(
  name: string,
  namespace: string,
  budget: { maxUnavailable: number } | { minAvailable: number },
): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(name, namespace),
    spec: { ...budget, selector: { matchLabels: selector(name) } },
  };
}

/** A SHA-256 of data as JSON (keys in the order given: the generator always gives the same). */
export const checksum = (data: unknown) =>
  createHash('sha256').update(JSON.stringify(data)).digest('hex');

/** Kinds that need CRDs; applied after the built-in kinds. */
export const CRD_KINDS = new Set([
  'IngressRoute',
  'ServiceMonitor',
  'PrometheusRule',
]);
