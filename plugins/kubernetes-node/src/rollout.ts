import type { LoggerService } from '@backstage/backend-plugin-api';
import { waitUntil } from '@voting-platform/timing';
import type { KubernetesConnection } from './KubernetesConnection';

/** How often a rollout or a load balancer is looked at while waiting. */
const POLL_INTERVAL_MS = 1000;

function rolloutState(
  d: any,
  minReplicas?: number,
): { done: boolean; text: string } {
  const want = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  const updated = st.updatedReplicas ?? 0;
  const ready = st.readyReplicas ?? 0;
  const available = st.availableReplicas ?? 0;
  const total = st.replicas ?? 0;
  const observed =
    (st.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  const scaled = minReplicas === undefined || want >= minReplicas;
  const done =
    observed &&
    scaled &&
    updated === want &&
    ready === want &&
    available === want &&
    total === want;
  return {
    done,
    text: `${ready}/${want} ready, ${updated} updated, ${available} available${
      total > want ? `, ${total - want} old` : ''
    }${scaled ? '' : ` (waiting for the autoscaler to reach ${minReplicas})`}`,
  };
}

/** Why the pods of a Deployment are not ready (first few pods' conditions and container states). */
async function podReasons(
  client: KubernetesConnection,
  namespace: string,
  name: string,
  selector: Record<string, string>,
): Promise<string> {
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await client
    .list<any>('v1', 'Pod', namespace, labelSelector)
    .catch(() => []);
  const reasons = pods.slice(0, 3).map(p => {
    const cond = (p.status?.conditions ?? [])
      .filter((c: any) => c.status !== 'True')
      .map((c: any) =>
        `${c.type}: ${c.reason ?? ''} ${c.message ?? ''}`.trim(),
      );
    const waiting = (p.status?.containerStatuses ?? [])
      .map((c: any) => c.state?.waiting?.reason)
      .filter(Boolean);
    return `${p.metadata.name} ${p.status?.phase ?? ''} ${[
      ...cond,
      ...waiting,
    ].join('; ')}`.trim();
  });
  return reasons.length ? reasons.join(' | ') : `no pods of ${name}`;
}

/**
 * Waits until every Deployment (or StatefulSet) has rolled out (all replicas updated, ready and available, no old
 * ones), logging progress as it changes; on timeout throws naming the ones that did not, with why.
 *
 * @public
 */
export async function waitForRollouts(
  client: KubernetesConnection,
  deployments: {
    namespace: string;
    name: string;
    minReplicas?: number;
    /** default Deployment (a StatefulSet's status has the same counts) */ kind?:
      | 'Deployment'
      | 'StatefulSet';
  }[],
  logger: LoggerService,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const last = new Map<string, string>();
  const pending = new Set(deployments.map(d => `${d.namespace}/${d.name}`));
  const kindOf = new Map(
    deployments.map(d => [`${d.namespace}/${d.name}`, d.kind ?? 'Deployment']),
  );
  await waitUntil(
    async () => {
      for (const d of deployments) {
        const key = `${d.namespace}/${d.name}`;
        if (!pending.has(key)) continue;
        const obj = await client.get<any>(
          'apps/v1',
          kindOf.get(key)!,
          d.name,
          d.namespace,
        );
        const state = obj
          ? rolloutState(obj, d.minReplicas)
          : { done: false, text: 'not found' };
        if (state.done) {
          pending.delete(key);
          logger.info(
            `rollout of ${kindOf.get(key)} ${key} complete (${state.text})`,
          );
        } else if (last.get(key) !== state.text) {
          last.set(key, state.text);
          logger.info(`waiting for ${kindOf.get(key)} ${key}: ${state.text}`);
        }
      }
      return pending.size === 0 ? true : undefined;
    },
    {
      timeoutMs,
      intervalMs: POLL_INTERVAL_MS,
      signal,
      timeoutMessage: async () => {
        const details: string[] = [];
        for (const key of pending) {
          const [namespace, name] = key.split('/') as [string, string];
          const obj = await client.get<any>(
            'apps/v1',
            kindOf.get(key)!,
            name,
            namespace,
          );
          details.push(
            `${key} (${last.get(key) ?? 'not found'}; ${await podReasons(
              client,
              namespace,
              name,
              obj?.spec?.selector?.matchLabels ?? {},
            )})`,
          );
        }
        return `rollout not complete after ${Math.round(
          timeoutMs / 1000,
        )} s: ${details.join(', ')}`;
      },
    },
  );
}

/**
 * A LoadBalancer Service's address (IP or host name), or '' while it has none.
 *
 * @public
 */
export function loadBalancerAddressOf(service: any): string {
  const ingress = service?.status?.loadBalancer?.ingress?.[0];
  return ingress?.ip ?? ingress?.hostname ?? '';
}

/**
 * Waits for a LoadBalancer Service's address (IP or host name).
 *
 * @public
 */
export async function waitForLoadBalancer(
  client: KubernetesConnection,
  namespace: string,
  name: string,
  logger: LoggerService,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string> {
  let logged = false;
  return waitUntil(
    async () => {
      const svc = await client.get<any>('v1', 'Service', name, namespace);
      if (!svc)
        throw new Error(
          `Service ${namespace}/${name} (Traefik's load balancer) not found: install Traefik first (kubernetes:helm-release:ensure with preset traefik)`,
        );
      const address = loadBalancerAddressOf(svc);
      if (!address && !logged) {
        logger.info(
          `waiting for the load balancer address of Service ${namespace}/${name}`,
        );
        logged = true;
      }
      return address || undefined;
    },
    {
      timeoutMs,
      intervalMs: POLL_INTERVAL_MS,
      signal,
      timeoutMessage: () =>
        `Service ${namespace}/${name} got no load balancer address within ${Math.round(
          timeoutMs / 1000,
        )} s`,
    },
  );
}
