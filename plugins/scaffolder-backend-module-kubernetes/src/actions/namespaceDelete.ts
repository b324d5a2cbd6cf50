import type { Config } from '@backstage/config';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  DELETE_OUTCOMES,
  checkpointKey,
  describeChange,
  describeRead,
  outcomeOf,
  parseInput,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import {
  DNS_LABEL,
  DNS_LABEL_MESSAGE,
  KubernetesConnection,
} from '@voting-platform/plugin-kubernetes-node';
import { waitUntil, type Clock } from '@voting-platform/timing';
import {
  clusterInput,
  clusterToRemoveFrom,
  refineClusterInput,
} from '../lib/cluster';
import { examples } from './namespaceDelete.examples';

/** Namespaces the cluster itself needs: never deleted. */
const SYSTEM_NAMESPACES = [
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
];
const POLL_INTERVAL_MS = 1000;

/** @public */
export interface KubernetesNamespaceDeleteActionOptions {
  config: Config;
  /** Time for the wait until the namespace is gone (default: real time). */
  clock?: Clock;
}

const input = {
  ...clusterInput,
  namespace: (z: Zod) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .refine(n => !SYSTEM_NAMESPACES.includes(n), {
        message: `must not be one the cluster needs (${SYSTEM_NAMESPACES.join(
          ', ',
        )})`,
      })
      .describe('The namespace to delete, with everything in it'),
  timeoutSeconds: (z: Zod) =>
    z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(300)
      .describe('How long to wait until the namespace is gone, in seconds'),
};

/**
 * `kubernetes:namespace:delete`: deletes a namespace of a DOKS cluster with everything in it
 * (kubeconfig fetched from DigitalOcean inside the action) and waits until it is gone. Succeeds
 * when the namespace, or the cluster, does not exist (any more).
 *
 * @public
 */
export function createKubernetesNamespaceDeleteAction(
  options: KubernetesNamespaceDeleteActionOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'kubernetes:namespace:delete',
    description:
      "Deletes a namespace of a DigitalOcean Kubernetes cluster with everything in it (Secrets, workloads, volume claims and so their volumes) and waits until it is gone. Refuses the cluster's own namespaces. Succeeds when the namespace or the cluster does not exist.",
    supportsDryRun: true,
    examples,
    schema: {
      input,
      output: {
        namespace: z => z.string(),
        outcome: z =>
          z
            .enum(DELETE_OUTCOMES)
            .describe('What this run did, or in a dry run would do'),
      },
    },
    async handler(ctx) {
      const i = parseInput(input, ctx.input, refineClusterInput);
      const done = (outcome: 'deleted' | 'absent' | 'would-delete') => {
        ctx.output('namespace', i.namespace);
        ctx.output('outcome', outcome);
      };
      const cluster = await clusterToRemoveFrom(
        options.config,
        ctx,
        i,
        `namespace ${i.namespace}`,
      );
      if (!cluster) {
        done('absent');
        return;
      }
      const client = KubernetesConnection.fromKubeconfig(cluster.kubeconfig, {
        signal: ctx.signal,
      });
      const what = `namespace ${i.namespace} of ${cluster.label} with everything in it`;
      if (!(await client.get('v1', 'Namespace', i.namespace))) {
        ctx.logger.info(
          describeRead(
            ctx.isDryRun,
            `No namespace ${i.namespace} in ${cluster.label}: nothing to delete`,
          ),
        );
        done('absent');
        return;
      }
      if (!ctx.isDryRun) {
        await ctx.checkpoint({
          key: checkpointKey('namespace', 'delete', cluster.id, i.namespace),
          fn: async () => {
            await client.delete('v1', 'Namespace', i.namespace);
            return true;
          },
        });
        ctx.logger.info(`Waiting until ${what} is gone`);
        await waitUntil(
          async () =>
            (await client.get('v1', 'Namespace', i.namespace))
              ? undefined
              : true,
          {
            timeoutMs: i.timeoutSeconds * 1000,
            intervalMs: POLL_INTERVAL_MS,
            clock: options.clock,
            signal: ctx.signal,
            timeoutMessage: async () => {
              const left: any = await client.get(
                'v1',
                'Namespace',
                i.namespace,
              );
              const stuck = (left?.status?.conditions ?? [])
                .filter((c: any) => c.status === 'True')
                .map((c: any) => c.message)
                .join('; ');
              return `namespace ${i.namespace} is still there after ${
                i.timeoutSeconds
              } s${stuck ? `: ${stuck}` : ''}`;
            },
          },
        );
      }
      ctx.logger.info(describeChange(ctx.isDryRun, 'delete', what));
      done(outcomeOf(ctx.isDryRun, 'delete'));
    },
  });
}
