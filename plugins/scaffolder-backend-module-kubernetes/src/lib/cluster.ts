import type { Config } from '@backstage/config';
import {
  createDigitalOceanClient,
  type DigitalOceanCallContext,
  findKubernetesCluster,
  getKubeconfig,
  isNotFound,
  type KubernetesCluster,
} from '@voting-platform/plugin-digitalocean-node';
import {
  describeRead,
  type Zod,
} from '@voting-platform/plugin-scaffolder-actions-node';

/** The inputs of an action that removes something from a cluster: the cluster by id or by name. */
export const clusterInput = {
  clusterId: (z: Zod) =>
    z
      .string()
      .min(1)
      .optional()
      .describe('DigitalOcean Kubernetes cluster id (or give clusterName)'),
  clusterName: (z: Zod) =>
    z
      .string()
      .min(1)
      .optional()
      .describe('DigitalOcean Kubernetes cluster name (or give clusterId)'),
};

/** parseInput's check that one of the two is given. */
export function refineClusterInput(
  value: { clusterId?: string; clusterName?: string },
  check: {
    addIssue(issue: { code: 'custom'; path: string[]; message: string }): void;
  },
): void {
  if (!value.clusterId && !value.clusterName)
    check.addIssue({
      code: 'custom',
      path: ['clusterId'],
      message: 'give clusterId or clusterName',
    });
}

/** A cluster there is something to remove from: running, not being deleted. */
export interface ReachableCluster {
  id: string;
  label: string;
  kubeconfig: string;
}

/**
 * The cluster an action removes things from, with its kubeconfig; or, when it does not exist, is
 * being deleted (its contents go with it) or is still provisioning, the reason there is nothing
 * to do.
 */
async function reachableCluster(
  config: Config,
  ctx: DigitalOceanCallContext,
  input: { clusterId?: string; clusterName?: string },
): Promise<ReachableCluster | { absent: string }> {
  const client = createDigitalOceanClient({ config }, ctx);
  const label = `cluster "${input.clusterName ?? input.clusterId}"`;
  const cluster = await client.call(`find the ${label}`, async () => {
    if (!input.clusterId)
      return findKubernetesCluster(client, input.clusterName!);
    try {
      return (
        await client.api.kubernetes.getKubernetesCluster({
          kubernetes_cluster_id: input.clusterId,
        })
      ).data.kubernetes_cluster as KubernetesCluster;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  });
  const state = cluster?.status?.state ?? '';
  if (!cluster) return { absent: `No ${label}` };
  if (['deleting', 'deleted'].includes(state))
    return { absent: `The ${label} is being deleted` };
  // its API does not answer before it runs, and the templates install nothing until then
  if (state === 'provisioning')
    return {
      absent: `The ${label} is still provisioning (nothing is installed in it yet)`,
    };
  return {
    id: cluster.id,
    label,
    kubeconfig: await getKubeconfig(client, cluster.id),
  };
}

/**
 * The cluster to remove `what` (e.g. `namespace voting`) from; or, when there is none to remove
 * it from (see {@link reachableCluster}), `undefined` once the log says so ("No cluster …: no
 * namespace voting to delete"): the caller then outputs `absent`.
 */
export async function clusterToRemoveFrom(
  config: Config,
  ctx: DigitalOceanCallContext & { isDryRun?: boolean },
  input: { clusterId?: string; clusterName?: string },
  what: string,
): Promise<ReachableCluster | undefined> {
  const cluster = await reachableCluster(config, ctx, input);
  if (!('absent' in cluster)) return cluster;
  ctx.logger.info(
    describeRead(ctx.isDryRun, `${cluster.absent}: no ${what} to delete`),
  );
  return undefined;
}
