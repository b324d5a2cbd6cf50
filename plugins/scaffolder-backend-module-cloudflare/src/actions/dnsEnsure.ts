import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  zoneClient,
  fqdn,
  type CloudflareActionOptions,
  type CloudflareClient,
} from '../lib/client';
import {
  checkpointKey,
  describeChange,
  describeRead,
  dryRunId,
  outcomeOf,
  parseInput,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import { recordName, zone } from './inputProperties';
import { examples } from './dnsEnsure.examples';

const input = {
  zone: (z: Zod) => zone(z).describe('Zone the record belongs to'),
  name: (z: Zod) =>
    recordName(z).describe(
      'Record name, relative to the zone (vote) or fully qualified (vote.example.com)',
    ),
  type: (z: Zod) =>
    z.enum(['A', 'AAAA', 'CNAME', 'TXT']).describe('Record type'),
  content: (z: Zod) =>
    z
      .string()
      .describe(
        "IPv4 / IPv6 address, target host name or text (empty only in a dry run, where an earlier step's dry run cannot tell the address yet)",
      ),
  ttl: (z: Zod) =>
    z
      .number()
      .int()
      .refine(
        t => t === 1 || (t >= 30 && t <= 86400),
        '1 (automatic) or 30-86400 seconds',
      )
      .default(1)
      .describe('TTL in seconds, 1 for automatic'),
  proxied: (z: Zod) =>
    z
      .boolean()
      .default(false)
      .describe("Route traffic through Cloudflare's proxy (A, AAAA, CNAME)"),
  comment: (z: Zod) => z.string().max(100).optional(),
};

interface Found {
  id: string;
  content: string;
  ttl: number;
  proxied?: boolean;
  comment?: string | null;
}

/** The records of one name and type. */
export async function findRecords(
  client: CloudflareClient,
  zoneId: string,
  name: string,
  type?: 'A' | 'AAAA' | 'CNAME' | 'TXT',
): Promise<Found[]> {
  const found: Found[] = [];
  for await (const r of client.cf.dns.records.list({
    zone_id: zoneId,
    name: { exact: name },
    ...(type && { type }),
  }))
    found.push(r as Found);
  return found;
}

/**
 * `cloudflare:dns:ensure`: makes one DNS record of a name and type say what it should: creates
 * it, updates it, or leaves it as it is.
 *
 * @public
 */
export function createCloudflareDnsEnsureAction(
  options: CloudflareActionOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'cloudflare:dns:ensure',
    description:
      'Creates or updates the Cloudflare DNS record of a name and type (one record), and leaves it alone when it already says the same.',
    examples,
    supportsDryRun: true,
    schema: {
      input,
      output: {
        recordId: z =>
          z
            .string()
            .describe(
              'A placeholder (dry-run-dns-record-<hostname>) in a dry run when it would be created',
            ),
        zoneId: z => z.string(),
        hostname: z => z.string().describe('Fully qualified name'),
        type: z => z.string(),
        content: z => z.string(),
        proxied: z => z.boolean(),
        outcome: z =>
          z
            .enum([
              'created',
              'updated',
              'unchanged',
              'would-create',
              'would-update',
            ])
            .describe('What this run did, or in a dry run would do'),
      },
    },
    async handler(ctx) {
      const i = parseInput(input, ctx.input, (v, issues) => {
        if (v.proxied && v.type === 'TXT')
          issues.addIssue({
            code: 'custom',
            path: ['proxied'],
            message: 'TXT records cannot be proxied',
          });
      });
      if (!i.content && !ctx.isDryRun)
        throw new InputError(
          'content: empty (only a dry run takes that, for an address an earlier step cannot tell before its real run)',
        );
      const { client, zoneId } = await zoneClient(options, ctx, i.zone);
      const hostname = fqdn(i.name, i.zone);
      const existing = await client.call(
        `list ${i.type} records of ${hostname}`,
        () => findRecords(client, zoneId, hostname, i.type),
      );
      if (existing.length > 1)
        throw new ConflictError(
          `${hostname} has ${existing.length} ${i.type} records; cloudflare:dns:ensure manages exactly one (delete the others first)`,
        );
      const current = existing[0];
      const same =
        current &&
        current.content === i.content &&
        current.ttl === i.ttl &&
        Boolean(current.proxied) === i.proxied &&
        (i.comment === undefined || current.comment === i.comment);
      const body = {
        zone_id: zoneId,
        type: i.type,
        name: hostname,
        content: i.content,
        ttl: i.ttl,
        proxied: i.type === 'TXT' ? undefined : i.proxied,
        comment: i.comment,
      } as const;

      const create = async (): Promise<string> => {
        try {
          return (
            await client.call(`create ${i.type} ${hostname}`, () =>
              client.cf.dns.records.create(body as any),
            )
          ).id as string;
        } catch (err) {
          // the SDK retries a POST that timed out, and the first one may have created the record
          // (Cloudflare then answers "An identical record already exists"): take that one
          const again = await client.call(
            `list ${i.type} records of ${hostname}`,
            () => findRecords(client, zoneId, hostname, i.type),
          );
          const made = again.find(r => r.content === i.content);
          if (made) return made.id;
          throw err;
        }
      };

      let outcome:
        | 'created'
        | 'updated'
        | 'unchanged'
        | 'would-create'
        | 'would-update' = 'unchanged';
      let recordId = current?.id ?? dryRunId('dns-record', hostname);
      const what = `${i.type} ${hostname} -> ${
        i.content || "the address an earlier step's real run gives"
      }${i.proxied ? ' (proxied)' : ''}`;
      if (same) {
        ctx.logger.info(describeRead(ctx.isDryRun, `${what}: unchanged`));
      } else if (ctx.isDryRun) {
        outcome = outcomeOf(true, current ? 'update' : 'create');
        ctx.logger.info(
          describeChange(true, current ? 'update' : 'create', what),
        );
      } else {
        const change = current ? 'update' : 'create';
        const done = await ctx.checkpoint({
          key: checkpointKey('dns-record', change, zoneId, i.type, hostname),
          fn: async () => ({
            id: current
              ? ((
                  await client.call(`update ${i.type} ${hostname}`, () =>
                    client.cf.dns.records.update(current.id, body as any),
                  )
                ).id as string)
              : await create(),
          }),
        });
        recordId = done.id;
        outcome = outcomeOf(false, change);
        ctx.logger.info(describeChange(false, change, what));
      }
      ctx.output('recordId', recordId);
      ctx.output('zoneId', zoneId);
      ctx.output('hostname', hostname);
      ctx.output('type', i.type);
      ctx.output('content', i.content);
      ctx.output('proxied', i.proxied);
      ctx.output('outcome', outcome);
    },
  });
}
