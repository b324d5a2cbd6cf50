import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { zoneClient, type CloudflareActionOptions } from '../lib/client';
import {
  checkpointKey,
  describeChange,
  describeRead,
  outcomeOf,
  parseInput,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import { zone } from './inputProperties';
import { examples } from './zoneSslEnsure.examples';

const input = {
  zone: (z: Zod) => zone(z).describe('Zone to configure'),
  mode: (z: Zod) =>
    z
      .enum(['off', 'flexible', 'full', 'strict'])
      .default('strict')
      .describe(
        'SSL/TLS encryption mode (strict: the origin needs a valid certificate, e.g. an Origin CA one)',
      ),
};

/**
 * `cloudflare:zone:ssl:ensure`: makes a zone's SSL/TLS encryption mode the one given.
 *
 * @public
 */
export function createCloudflareZoneSslEnsureAction(
  options: CloudflareActionOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'cloudflare:zone:ssl:ensure',
    description:
      "Sets a Cloudflare zone's SSL/TLS encryption mode (off, flexible, full, strict); changes nothing when it is set already.",
    examples,
    supportsDryRun: true,
    schema: {
      input,
      output: {
        zoneId: z => z.string(),
        mode: z =>
          z
            .string()
            .describe(
              'The mode after the run (in a dry run: the mode it would set)',
            ),
        previousMode: z => z.string(),
        changed: z =>
          z
            .boolean()
            .describe('False when it was set already (and in a dry run)'),
        outcome: z =>
          z
            .enum(['updated', 'unchanged', 'would-update'])
            .describe('What this run did, or in a dry run would do'),
      },
    },
    async handler(ctx) {
      const i = parseInput(input, ctx.input);
      const { client, zoneId } = await zoneClient(options, ctx, i.zone);
      const setting = await client.call(`read the SSL mode of ${i.zone}`, () =>
        client.cf.zones.settings.get('ssl', { zone_id: zoneId }),
      );
      // the SDK types every setting in one union; `ssl` answers { id: 'ssl', value }
      const current = String((setting as { value?: unknown }).value);
      const change = current !== i.mode;
      if (change && !ctx.isDryRun) {
        await ctx.checkpoint({
          key: checkpointKey('zone-ssl', 'set', zoneId, i.mode),
          fn: async () => {
            await client.call(`set the SSL mode of ${i.zone}`, () =>
              client.cf.zones.settings.edit('ssl', {
                zone_id: zoneId,
                value: i.mode,
              } as any),
            );
            return { mode: i.mode };
          },
        });
      }
      ctx.logger.info(
        change
          ? describeChange(
              ctx.isDryRun,
              'set',
              `the SSL mode of ${i.zone}: ${current} -> ${i.mode}`,
            )
          : describeRead(
              ctx.isDryRun,
              `The SSL mode of ${i.zone} is ${current} already: unchanged`,
            ),
      );
      ctx.output('zoneId', zoneId);
      ctx.output('mode', i.mode);
      ctx.output('previousMode', current);
      ctx.output('changed', change && !ctx.isDryRun);
      ctx.output(
        'outcome',
        change ? outcomeOf(ctx.isDryRun, 'update') : 'unchanged',
      );
    },
  });
}
