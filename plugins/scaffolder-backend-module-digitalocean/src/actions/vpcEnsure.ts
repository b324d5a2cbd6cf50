import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  createDigitalOceanClient,
  listAll,
  type DigitalOceanClientOptions,
} from '@voting-platform/plugin-digitalocean-node';
import {
  checkpointKey,
  describeChange,
  dryRunId,
  outcomeOf,
  parseInput,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import { regionField } from '../lib/fields';
import { examples } from './vpcEnsure.examples';

const input = {
  name: (z: Zod) =>
    z
      .string()
      .regex(
        /^[a-zA-Z0-9-.]{1,64}$/,
        'letters, digits, dots and dashes, at most 64',
      )
      .describe('Name of the VPC (unique in the account)'),
  region: regionField,
  ipRange: (z: Zod) =>
    z
      .string()
      .regex(
        /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/,
        'a CIDR range such as 10.10.0.0/20',
      )
      .optional()
      .describe(
        'Private range in CIDR notation (default: chosen by DigitalOcean)',
      ),
  description: (z: Zod) =>
    z
      .string()
      .max(255)
      .optional()
      .describe('Description shown in the control panel'),
};

/**
 * `digitalocean:vpc:ensure`: finds the VPC with this name, or creates it.
 *
 * @public
 */
export function createDigitalOceanVpcEnsureAction(
  options: DigitalOceanClientOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'digitalocean:vpc:ensure',
    description:
      'Finds the DigitalOcean VPC with the given name, or creates it. Fails when a VPC of that name exists in another region or with another IP range.',
    examples,
    supportsDryRun: true,
    schema: {
      input,
      output: {
        vpcId: z =>
          z
            .string()
            .describe(
              'Id of the VPC (a placeholder in a dry run when it would be created)',
            ),
        name: z => z.string(),
        region: z => z.string(),
        ipRange: z =>
          z
            .string()
            .describe(
              'Empty in a dry run when it would be created without one',
            ),
        created: z => z.boolean().describe('True when this run created it'),
        outcome: z =>
          z
            .enum(['created', 'unchanged', 'would-create'])
            .describe('What this run did, or in a dry run would do'),
      },
    },
    async handler(ctx) {
      const { name, region, ipRange, description } = parseInput(
        input,
        ctx.input,
      );
      const client = createDigitalOceanClient(options, ctx);
      const find = async () =>
        (
          await listAll(
            page => client.api.vpc.listVpcs({ page, per_page: 200 }),
            data =>
              data.vpcs as {
                id: string;
                name: string;
                region: string;
                ip_range: string;
              }[],
          )
        ).find(v => v.name === name);
      const existing = await client.call(`list VPCs`, find);
      if (existing) {
        const differences = [
          existing.region !== region &&
            `region ${existing.region} (wanted ${region})`,
          ipRange &&
            existing.ip_range !== ipRange &&
            `IP range ${existing.ip_range} (wanted ${ipRange})`,
        ].filter(Boolean);
        if (differences.length > 0)
          throw new ConflictError(
            `The VPC name "${name}" is taken by VPC ${
              existing.id
            } with ${differences.join(' and ')}`,
          );
      }
      let vpc = existing;
      if (!vpc && !ctx.isDryRun) {
        vpc = await ctx.checkpoint({
          key: checkpointKey('vpc', 'create', name),
          fn: () =>
            client.call(`create VPC "${name}"`, async () => {
              const found = await find();
              if (found) return found;
              const { data } = await client.api.vpc.createVpc({
                name,
                region,
                ip_range: ipRange,
                description,
              });
              return data.vpc as {
                id: string;
                name: string;
                region: string;
                ip_range: string;
              };
            }),
        });
      }
      ctx.logger.info(
        existing
          ? describeChange(
              ctx.isDryRun,
              'reuse',
              `VPC "${name}" (${existing.id}) in ${existing.region}, ${existing.ip_range}`,
            )
          : describeChange(
              ctx.isDryRun,
              'create',
              `VPC "${name}" in ${region}${
                vpc ? ` (${vpc.id}), ${vpc.ip_range}` : ''
              }`,
            ),
      );
      ctx.output('vpcId', vpc?.id ?? dryRunId('vpc', name));
      ctx.output('name', name);
      ctx.output('region', region);
      ctx.output('ipRange', vpc?.ip_range ?? ipRange ?? '');
      ctx.output('created', !existing && !ctx.isDryRun);
      ctx.output(
        'outcome',
        existing ? 'unchanged' : outcomeOf(ctx.isDryRun, 'create'),
      );
    },
  });
}
