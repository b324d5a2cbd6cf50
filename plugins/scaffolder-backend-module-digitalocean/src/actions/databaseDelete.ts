import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  createDigitalOceanClient,
  isNotFound,
  type DigitalOceanClientOptions,
} from '@voting-platform/plugin-digitalocean-node';
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
import { findDatabase } from './databaseEnsure';
import { examples } from './databaseDelete.examples';

const input = {
  databaseClusterId: (z: Zod) =>
    z
      .string()
      .uuid()
      .optional()
      .describe('Id of the database cluster (or give its name)'),
  name: (z: Zod) =>
    z
      .string()
      .min(1)
      .optional()
      .describe('Name of the database cluster (or give its id)'),
};

/**
 * `digitalocean:database:delete`: deletes a managed database cluster (its databases, users and
 * pools go with it). Succeeds when it is gone already.
 *
 * @public
 */
export function createDigitalOceanDatabaseDeleteAction(
  options: DigitalOceanClientOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'digitalocean:database:delete',
    description:
      'Deletes a DigitalOcean managed database cluster with its databases, users and pools. Succeeds when it does not exist (any more).',
    examples,
    supportsDryRun: true,
    schema: {
      input,
      output: {
        databaseClusterId: z =>
          z.string().describe('Empty when no such cluster exists'),
        status: z =>
          z
            .string()
            .describe(
              'deleted, or absent (nothing to delete); a dry run reports the state the run would leave',
            ),
        outcome: z =>
          z
            .enum(DELETE_OUTCOMES)
            .describe('What this run did, or in a dry run would do'),
      },
    },
    async handler(ctx) {
      const i = parseInput(input, ctx.input, (v, issues) => {
        if (!v.databaseClusterId && !v.name)
          issues.addIssue({
            code: 'custom',
            path: ['databaseClusterId'],
            message: 'give databaseClusterId or name',
          });
      });
      const client = createDigitalOceanClient(options, ctx);
      const label = `database cluster "${i.name ?? i.databaseClusterId}"`;
      const db = await client.call(`find the ${label}`, async () => {
        if (i.name) return findDatabase(client, i.name);
        try {
          return (
            await client.api.database.getDatabaseCluster({
              database_cluster_id: i.databaseClusterId!,
            })
          ).data.database;
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      });
      if (!db) {
        ctx.logger.info(
          describeRead(ctx.isDryRun, `No ${label}: nothing to delete`),
        );
        ctx.output('databaseClusterId', '');
        ctx.output('status', 'absent');
        ctx.output('outcome', 'absent');
        return;
      }
      ctx.output('databaseClusterId', db.id);
      if (ctx.isDryRun) {
        ctx.logger.info(
          describeChange(
            true,
            'delete',
            `${label} (${db.id}) with databases ${db.db_names.join(', ')}`,
          ),
        );
        ctx.output('status', 'deleted');
        ctx.output('outcome', outcomeOf(true, 'delete'));
        return;
      }
      await ctx.checkpoint({
        key: checkpointKey('database', 'delete', db.id),
        fn: () =>
          client
            .call(`delete ${label}`, () =>
              client.api.database.destroyDatabaseCluster({
                database_cluster_id: db.id,
              }),
            )
            .then(
              () => ({ deleted: true }),
              err => {
                if (isNotFound(err)) return { deleted: false };
                throw err;
              },
            ),
      });
      ctx.logger.info(describeChange(false, 'delete', `${label} (${db.id})`));
      ctx.output('status', 'deleted');
      ctx.output('outcome', 'deleted');
    },
  });
}
