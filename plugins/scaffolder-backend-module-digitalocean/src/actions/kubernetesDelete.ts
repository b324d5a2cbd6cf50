import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  createDigitalOceanClient,
  findKubernetesCluster,
  isNotFound,
  type DigitalOceanClientOptions,
  type KubernetesCluster,
} from '@voting-platform/plugin-digitalocean-node';
import {
  DELETE_OUTCOMES,
  checkpointKey,
  describeChange,
  describeRead,
  outcomeOf,
  parseInput,
  type Outcome,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import { examples } from './kubernetesDelete.examples';

const input = {
  clusterId: (z: Zod) =>
    z
      .string()
      .uuid()
      .optional()
      .describe('Id of the cluster (or give its name)'),
  name: (z: Zod) =>
    z
      .string()
      .min(1)
      .optional()
      .describe('Name of the cluster (or give its id)'),
};

interface Associated {
  load_balancers: { id: string; name: string }[];
  volumes: { id: string; name: string }[];
  volume_snapshots: { id: string; name: string }[];
}

/**
 * `digitalocean:kubernetes:delete`: deletes a DOKS cluster with the load balancers, volumes and
 * snapshots it made (`destroy_with_associated_resources/dangerous`). Succeeds when it is gone already.
 *
 * @public
 */
export function createDigitalOceanKubernetesDeleteAction(
  options: DigitalOceanClientOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'digitalocean:kubernetes:delete',
    description:
      'Deletes a DigitalOcean Kubernetes cluster together with its load balancers, volumes and volume snapshots. Succeeds when the cluster does not exist (any more).',
    examples,
    supportsDryRun: true,
    schema: {
      input,
      output: {
        clusterId: z =>
          z.string().describe('Empty when no such cluster exists'),
        status: z =>
          z
            .string()
            .describe(
              'deleting, or absent (nothing to delete); a dry run reports the state the run would leave',
            ),
        loadBalancers: z =>
          z
            .array(z.string())
            .describe('Ids of the load balancers deleted with it'),
        volumes: z =>
          z.array(z.string()).describe('Ids of the volumes deleted with it'),
        outcome: z =>
          z
            .enum(DELETE_OUTCOMES)
            .describe(
              'What this run did, or in a dry run would do (deleted: DigitalOcean is deleting it)',
            ),
      },
    },
    async handler(ctx) {
      const i = parseInput(input, ctx.input, (v, issues) => {
        if (!v.clusterId && !v.name)
          issues.addIssue({
            code: 'custom',
            path: ['clusterId'],
            message: 'give clusterId or name',
          });
      });
      const client = createDigitalOceanClient(options, ctx);
      const cluster = await client.call('find the cluster', async () => {
        if (!i.clusterId) return findKubernetesCluster(client, i.name!);
        try {
          return (
            await client.api.kubernetes.getKubernetesCluster({
              kubernetes_cluster_id: i.clusterId,
            })
          ).data.kubernetes_cluster as KubernetesCluster;
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      });
      const label = `cluster "${i.name ?? i.clusterId}"`;
      const done = (
        status: string,
        outcome: Outcome,
        associated?: Associated,
      ) => {
        ctx.output('clusterId', cluster?.id ?? '');
        ctx.output('status', status);
        ctx.output('outcome', outcome);
        ctx.output(
          'loadBalancers',
          associated?.load_balancers.map(lb => lb.id) ?? [],
        );
        ctx.output('volumes', associated?.volumes.map(v => v.id) ?? []);
      };
      if (!cluster || ['deleting', 'deleted'].includes(cluster.status.state)) {
        ctx.logger.info(
          describeRead(
            ctx.isDryRun,
            cluster
              ? `The ${label} is being deleted already`
              : `No ${label}: nothing to delete`,
          ),
        );
        done(cluster ? 'deleting' : 'absent', cluster ? 'deleted' : 'absent');
        return;
      }
      const associated = await client.call(
        'list associated resources',
        async () =>
          (
            await client.http.get<Associated>(
              `/kubernetes/clusters/${cluster.id}/destroy_with_associated_resources`,
            )
          ).data,
      );
      const extras = `${associated.load_balancers.length} load balancer(s), ${associated.volumes.length} volume(s), ${associated.volume_snapshots.length} snapshot(s)`;
      if (ctx.isDryRun) {
        ctx.logger.info(
          describeChange(
            true,
            'delete',
            `${label} (${cluster.id}) with ${extras}`,
          ),
        );
        done('deleting', outcomeOf(true, 'delete'), associated);
        return;
      }
      await ctx.checkpoint({
        key: checkpointKey('kubernetes', 'delete', cluster.id),
        fn: () =>
          client
            .call(`delete ${label}`, () =>
              client.http.delete(
                `/kubernetes/clusters/${cluster.id}/destroy_with_associated_resources/dangerous`,
              ),
            )
            .then(
              () => ({ deleted: true }),
              err => {
                if (isNotFound(err)) return { deleted: false };
                throw err;
              },
            ),
      });
      ctx.logger.info(`Deleting ${label} (${cluster.id}) with ${extras}`);
      done('deleting', 'deleted', associated);
    },
  });
}
