import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  createDigitalOceanClient,
  createUnlessFound,
  DigitalOceanError,
  findKubernetesCluster,
  type DigitalOceanClientOptions,
  type KubernetesCluster as Cluster,
  waitForState,
} from '@voting-platform/plugin-digitalocean-node';
import {
  checkpointKey,
  describeChange,
  describePlaceholder,
  dryRunId,
  dryRunPlaceholders,
  idOrDryRunId,
  isDryRunId,
  outcomeOf,
  parseInput,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import { regionField } from '../lib/fields';
import { examples } from './kubernetesEnsure.examples';

const DAYS = [
  'any',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;

const input = {
  name: (z: Zod) =>
    z
      .string()
      .regex(
        /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
        'lowercase letters, digits and dashes',
      )
      .describe('Cluster name (unique in the account)'),
  region: regionField,
  version: (z: Zod) =>
    z
      .string()
      .min(1)
      .optional()
      .describe(
        'Kubernetes version slug or prefix (1.34, 1.34.1-do.0); default: the latest DigitalOcean offers',
      ),
  nodePool: (z: Zod) =>
    z
      .object({
        name: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
          .default('default'),
        size: z
          .string()
          .min(1)
          .default('s-2vcpu-4gb')
          .describe('Droplet size slug (default s-2vcpu-4gb)'),
        count: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(3)
          .describe('Nodes (default 3)'),
        autoScale: z
          .object({
            min: z
              .number()
              .int()
              .min(0)
              .optional()
              .describe('Fewest nodes (default: count)'),
            max: z.number().int().min(1).optional().describe('Most nodes'),
          })
          .optional()
          .describe(
            'Enables the autoscaler between min and max nodes (without max: no autoscaler)',
          ),
      })
      .default({})
      // a template hands over `${{ parameters.x }}` of a value its caller left out as absent
      .transform(({ autoScale, ...pool }) => ({
        ...pool,
        autoScale:
          autoScale?.max === undefined
            ? undefined
            : { min: autoScale.min ?? pool.count, max: autoScale.max },
      }))
      .describe('The node pool (default: 3 x s-2vcpu-4gb, no autoscaler)'),
  ha: (z: Zod) =>
    z.boolean().default(false).describe('Highly available control plane'),
  autoUpgrade: (z: Zod) =>
    z
      .boolean()
      .default(false)
      .describe(
        'Upgrade patch versions automatically in the maintenance window',
      ),
  maintenanceWindow: (z: Zod) =>
    z
      .object({
        day: z.enum(DAYS).default('any'),
        startTime: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM in UTC'),
      })
      .optional()
      .describe('When upgrades may run (UTC)'),
  surgeUpgrade: (z: Zod) =>
    z
      .boolean()
      .default(true)
      .describe('Create new nodes before removing old ones during upgrades'),
  vpcId: (z: Zod) =>
    idOrDryRunId(z, z.string().uuid())
      .optional()
      .describe(
        'VPC to create the cluster in (default: the region default VPC)',
      ),
  tags: (z: Zod) =>
    z
      .array(z.string().regex(/^[a-zA-Z0-9_:-]{1,255}$/))
      .default([])
      .describe('Tags for the cluster'),
  timeoutMinutes: (z: Zod) =>
    z
      .number()
      .int()
      .min(1)
      .max(180)
      .default(30)
      .describe('How long to wait for the cluster to run'),
};

type Input = ReturnType<typeof parse>;
const parse = (value: unknown) =>
  parseInput(input, value, (v, ctx) => {
    const scale = v.nodePool.autoScale;
    if (scale && scale.min > scale.max)
      ctx.addIssue({
        code: 'custom',
        path: ['nodePool', 'autoScale', 'min'],
        message: 'must not exceed max',
      });
    if (
      scale &&
      (v.nodePool.count < scale.min || v.nodePool.count > scale.max)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['nodePool', 'count'],
        message: 'must be between autoScale.min and autoScale.max',
      });
    }
  });

/** The cluster as the API answers it: the spec's fields dots-wrapper's type lacks. */
/**
 * The version slug to create: the latest offered, or the one `wanted` names (a slug or a prefix).
 * Outside `client.call` on purpose: a version that is not offered is the template's mistake, not
 * a provider failure to retry.
 */
function resolveVersion(slugs: string[], wanted: string | undefined): string {
  if (!wanted) {
    const latest = slugs[0];
    if (!latest)
      throw new DigitalOceanError('DigitalOcean offers no Kubernetes version');
    return latest;
  }
  const match = slugs.find(
    s =>
      s === wanted || s.startsWith(`${wanted}.`) || s.startsWith(`${wanted}-`),
  );
  if (!match)
    throw new InputError(
      `Kubernetes version "${wanted}" is not offered by DigitalOcean (offered: ${slugs.join(
        ', ',
      )})`,
    );
  return match;
}

/** Why an existing cluster of that name is not the one asked for (empty when it is). */
function differences(
  c: Cluster,
  i: Input,
  version: string | undefined,
): string[] {
  const pool = c.node_pools.find(p => p.name === i.nodePool.name);
  return [
    c.region !== i.region && `region ${c.region} (wanted ${i.region})`,
    i.vpcId &&
      c.vpc_uuid !== i.vpcId &&
      `VPC ${c.vpc_uuid} (wanted ${
        isDryRunId(i.vpcId) ? describePlaceholder('VPC', i.vpcId) : i.vpcId
      })`,
    version &&
      !c.version.startsWith(version) &&
      `version ${c.version} (wanted ${version})`,
    c.ha !== undefined &&
      c.ha !== i.ha &&
      `HA control plane ${c.ha} (wanted ${i.ha})`,
    !pool && `no node pool "${i.nodePool.name}"`,
    pool &&
      pool.size !== i.nodePool.size &&
      `node size ${pool.size} (wanted ${i.nodePool.size})`,
  ].filter((d): d is string => typeof d === 'string');
}

/**
 * `digitalocean:kubernetes:ensure`: creates a DOKS cluster (or reuses the one with this name and
 * the same settings) and waits until it runs. Outputs no credentials: later steps fetch the
 * kubeconfig by cluster id.
 *
 * @public
 */
export function createDigitalOceanKubernetesEnsureAction(
  options: DigitalOceanClientOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'digitalocean:kubernetes:ensure',
    description:
      'Creates a DigitalOcean Kubernetes (DOKS) cluster, or reuses the one with this name when its settings match, and waits until it is running. Outputs ids and hostnames, never credentials.',
    examples,
    supportsDryRun: true,
    schema: {
      input,
      output: {
        clusterId: z =>
          z
            .string()
            .describe(
              'Cluster id (a placeholder in a dry run when it would be created)',
            ),
        name: z => z.string(),
        region: z => z.string(),
        version: z => z.string(),
        vpcId: z => z.string(),
        endpoint: z => z.string().describe('API server URL'),
        ipv4: z => z.string(),
        status: z =>
          z
            .string()
            .describe(
              'running (what a dry run reports too: the state the run would leave)',
            ),
        created: z => z.boolean().describe('True when this run created it'),
        outcome: z =>
          z
            .enum(['created', 'unchanged', 'would-create'])
            .describe('What this run did, or in a dry run would do'),
      },
    },
    async handler(ctx) {
      const i = parse(ctx.input);
      const vpcToCreate = dryRunPlaceholders(ctx.isDryRun, {
        vpcId: i.vpcId,
      }).has('vpcId');
      const client = createDigitalOceanClient(options, ctx);
      const offered = await client.call('list Kubernetes options', async () =>
        (
          await client.api.kubernetes.listAvailableOptionsOfKubernetes()
        ).data.options.versions.map(v => v.slug),
      );
      const version = resolveVersion(offered, i.version);
      const existing = await client.call('list Kubernetes clusters', () =>
        findKubernetesCluster(client, i.name),
      );
      if (existing) {
        const problems = differences(existing, i, i.version && version);
        if (problems.length > 0)
          throw new ConflictError(
            `The cluster name "${i.name}" is taken by cluster ${
              existing.id
            } with ${problems.join(', ')}`,
          );
        if (existing.status.state === 'deleting')
          throw new ConflictError(
            `The cluster name "${i.name}" is taken by cluster ${existing.id}, which is being deleted; retry in a few minutes`,
          );
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          existing
            ? describeChange(
                true,
                'reuse',
                `cluster "${i.name}" (${existing.id}, ${existing.status.state})`,
              )
            : describeChange(
                true,
                'create',
                `cluster "${i.name}" in ${i.region}, Kubernetes ${version}, ${
                  i.nodePool.count
                } x ${i.nodePool.size}${i.ha ? ', HA control plane' : ''}${
                  vpcToCreate
                    ? `, in ${describePlaceholder('VPC', i.vpcId!)}`
                    : ''
                }`,
              ),
        );
        ctx.output('clusterId', existing?.id ?? dryRunId('kubernetes', i.name));
        ctx.output('name', i.name);
        ctx.output('region', i.region);
        ctx.output('version', existing?.version ?? version);
        ctx.output('vpcId', existing?.vpc_uuid ?? i.vpcId ?? '');
        ctx.output('endpoint', existing?.endpoint ?? '');
        ctx.output('ipv4', existing?.ipv4 ?? '');
        ctx.output('status', 'running');
        ctx.output('created', false);
        ctx.output(
          'outcome',
          existing ? 'unchanged' : outcomeOf(true, 'create'),
        );
        return;
      }

      const { id } = existing
        ? { id: existing.id }
        : await ctx.checkpoint({
            key: checkpointKey('kubernetes', 'create', i.name),
            fn: () =>
              client.call(`create cluster "${i.name}"`, () =>
                createUnlessFound(
                  () => findKubernetesCluster(client, i.name),
                  async () => {
                    const { data } = await client.http.post<{
                      kubernetes_cluster: Cluster;
                    }>('/kubernetes/clusters', {
                      name: i.name,
                      region: i.region,
                      version,
                      vpc_uuid: i.vpcId,
                      tags: i.tags,
                      ha: i.ha,
                      auto_upgrade: i.autoUpgrade,
                      surge_upgrade: i.surgeUpgrade,
                      maintenance_policy: i.maintenanceWindow && {
                        day: i.maintenanceWindow.day,
                        start_time: i.maintenanceWindow.startTime,
                      },
                      node_pools: [
                        {
                          name: i.nodePool.name,
                          size: i.nodePool.size,
                          count: i.nodePool.count,
                          ...(i.nodePool.autoScale && {
                            auto_scale: true,
                            min_nodes: i.nodePool.autoScale.min,
                            max_nodes: i.nodePool.autoScale.max,
                          }),
                        },
                      ],
                    });
                    return data.kubernetes_cluster;
                  },
                ),
              ),
          });
      ctx.logger.info(
        existing
          ? describeChange(false, 'reuse', `cluster "${i.name}" (${id})`)
          : describeChange(
              false,
              'create',
              `cluster "${i.name}" (${id}); waiting until it is running`,
            ),
      );

      const cluster = await waitForState(client, {
        what: `cluster "${i.name}"`,
        until: 'running',
        read: () =>
          client.call(
            `get cluster "${i.name}"`,
            async () =>
              (
                await client.api.kubernetes.getKubernetesCluster({
                  kubernetes_cluster_id: id,
                })
              ).data.kubernetes_cluster as Cluster,
          ),
        state: c => c.status.state,
        failure: c =>
          ['error', 'errored', 'degraded', 'deleting', 'deleted'].includes(
            c.status.state,
          )
            ? c.status.message || 'no message from DigitalOcean'
            : undefined,
        timeoutMs: i.timeoutMinutes * 60_000,
      });
      ctx.output('clusterId', cluster.id);
      ctx.output('name', cluster.name);
      ctx.output('region', cluster.region);
      ctx.output('version', cluster.version);
      ctx.output('vpcId', cluster.vpc_uuid);
      ctx.output('endpoint', cluster.endpoint);
      ctx.output('ipv4', cluster.ipv4);
      ctx.output('status', cluster.status.state);
      ctx.output('created', !existing);
      ctx.output('outcome', existing ? 'unchanged' : 'created');
    },
  });
}
