import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { zoneClient, fqdn, type CloudflareActionOptions } from '../lib/client';
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
import { findRecords } from './dnsEnsure';
import { recordName, zone } from './inputProperties';
import { examples } from './dnsDelete.examples';

const input = {
  zone: (z: Zod) => zone(z).describe('Zone the records belong to'),
  name: (z: Zod) =>
    recordName(z).describe('Record name, relative or fully qualified'),
  type: (z: Zod) =>
    z
      .enum(['A', 'AAAA', 'CNAME', 'TXT'])
      .optional()
      .describe('Only records of this type (default: every type of that name)'),
};

/**
 * `cloudflare:dns:delete`: deletes the DNS records of a name (and type). Succeeds when there are none.
 *
 * @public
 */
export function createCloudflareDnsDeleteAction(
  options: CloudflareActionOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'cloudflare:dns:delete',
    description:
      'Deletes the Cloudflare DNS records of a name (optionally of one type). Succeeds when there are none.',
    examples,
    supportsDryRun: true,
    schema: {
      input,
      output: {
        hostname: z => z.string(),
        deleted: z =>
          z
            .array(z.string())
            .describe(
              'Ids of the records deleted (or that would be, in a dry run)',
            ),
        outcome: z =>
          z
            .enum(DELETE_OUTCOMES)
            .describe('What this run did, or in a dry run would do'),
      },
    },
    async handler(ctx) {
      const i = parseInput(input, ctx.input);
      const { client, zoneId } = await zoneClient(options, ctx, i.zone);
      const hostname = fqdn(i.name, i.zone);
      const records = await client.call(`list records of ${hostname}`, () =>
        findRecords(client, zoneId, hostname, i.type),
      );
      const ids = records.map(r => r.id);
      if (ids.length === 0) {
        ctx.logger.info(
          describeRead(
            ctx.isDryRun,
            `No records of ${hostname}: nothing to delete`,
          ),
        );
      } else if (ctx.isDryRun) {
        ctx.logger.info(
          describeChange(
            true,
            'delete',
            `${ids.length} record(s) of ${hostname}`,
          ),
        );
      } else {
        for (const id of ids) {
          await ctx.checkpoint({
            key: checkpointKey('dns-record', 'delete', zoneId, id),
            fn: () =>
              client.call(`delete record ${id} of ${hostname}`, async () => {
                try {
                  await client.cf.dns.records.delete(id, { zone_id: zoneId });
                } catch (err) {
                  // gone already: what was wanted
                  if ((err as { status?: number }).status !== 404) throw err;
                }
                return { id };
              }),
          });
        }
        ctx.logger.info(
          describeChange(
            false,
            'delete',
            `${ids.length} record(s) of ${hostname}`,
          ),
        );
      }
      ctx.output('hostname', hostname);
      ctx.output('deleted', ids);
      ctx.output(
        'outcome',
        ids.length ? outcomeOf(ctx.isDryRun, 'delete') : 'absent',
      );
    },
  });
}
