import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  DELETE_OUTCOMES,
  checkpointKey,
  describeRead,
  outcomeOf,
  parseInput,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import { zoneClient, type CloudflareActionOptions } from '../lib/client';
import {
  listOriginCertificates,
  revokeOriginCertificate,
} from '../lib/originCertificates';
import { hostnames, zone } from './inputProperties';
import { examples } from './originCertificateDelete.examples';

const input = {
  zone: (z: Zod) =>
    zone(z).describe('Cloudflare zone the host names belong to'),
  hostnames: (z: Zod) =>
    hostnames(z).describe(
      'Host names of the certificates to revoke: every valid one issued for exactly these',
    ),
};

/**
 * `cloudflare:origin-certificate:delete`: revokes every valid Origin CA certificate issued for
 * exactly these host names (Cloudflare's delete of a certificate is its revocation). Succeeds when
 * there is none.
 *
 * @public
 */
export function createCloudflareOriginCertificateDeleteAction(
  options: CloudflareActionOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'cloudflare:origin-certificate:delete',
    description:
      'Revokes every Cloudflare Origin CA certificate that is valid for exactly the given host names (in any order). Succeeds when there is none.',
    examples,
    supportsDryRun: true,
    schema: {
      input,
      output: {
        revoked: z =>
          z
            .array(z.string())
            .describe(
              'Ids of the certificates revoked (or that would be, in a dry run)',
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
      const hosts = i.hostnames.join(', ');
      const ids = (
        await listOriginCertificates(client, zoneId, i.hostnames)
      ).map(c => c.id);
      if (ids.length === 0)
        ctx.logger.info(
          describeRead(
            ctx.isDryRun,
            `No valid Origin CA certificate for ${hosts}: nothing to revoke`,
          ),
        );
      for (const id of ids) {
        if (!ctx.isDryRun)
          await ctx.checkpoint({
            key: checkpointKey('origin-certificate', 'delete', id),
            fn: () => revokeOriginCertificate(client, id),
          });
        ctx.logger.info(
          `${
            ctx.isDryRun ? 'Dry run: would revoke' : 'Revoked'
          } Origin CA certificate ${id} for ${hosts}`,
        );
      }
      ctx.output('revoked', ids);
      ctx.output(
        'outcome',
        ids.length ? outcomeOf(ctx.isDryRun, 'delete') : 'absent',
      );
    },
  });
}
