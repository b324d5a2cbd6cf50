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
  ENVIRONMENT_NAME_PATTERN,
  environmentComponentRef,
} from '@voting-platform/plugin-voting-common';
import {
  environmentsClient,
  type VotingEnvironmentActionOptions,
} from '../lib/environments';
import { waitUntilCatalogForgets } from '../lib/catalogWait';
import { examples } from './environmentUnregister.examples';

const input = {
  name: (z: Zod) =>
    z
      .string()
      .regex(ENVIRONMENT_NAME_PATTERN)
      .describe('Name of the environment to remove from the portal'),
};

/**
 * `voting:environment:unregister`: removes an environment's record from the voting backend and
 * waits until its entities have left the catalog. Succeeds when there is none.
 *
 * @public
 */
export function createVotingEnvironmentUnregisterAction(
  options: VotingEnvironmentActionOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'voting:environment:unregister',
    description:
      "Removes an environment's record from the voting backend, and so its entities from the catalog, waiting until the catalog no longer serves them (not in a dry run); succeeds when there is none.",
    examples,
    supportsDryRun: true,
    schema: {
      input,
      output: {
        entityRef: z =>
          z.string().describe("The environment's Component in the catalog"),
        outcome: z => z.enum(DELETE_OUTCOMES),
      },
    },
    async handler(ctx) {
      const { name } = parseInput(input, ctx.input);
      const client = environmentsClient(options, ctx.signal);
      const existing = await client.get(name);
      if (existing && !ctx.isDryRun) {
        await ctx.checkpoint({
          key: checkpointKey('environment', 'unregister', name),
          fn: () => client.unregister(name),
        });
      }
      ctx.logger.info(
        existing
          ? describeChange(
              ctx.isDryRun,
              'delete',
              `the record of environment "${name}" (owner ${existing.owner}) from the portal`,
            )
          : describeRead(
              ctx.isDryRun,
              `No record of environment "${name}" in the portal: nothing to delete`,
            ),
      );
      // also when there was no record: a task retried after its delete may find the catalog behind
      if (!ctx.isDryRun)
        await waitUntilCatalogForgets(
          options.catalogWait,
          { auth: options.auth, logger: ctx.logger, signal: ctx.signal },
          name,
        );
      ctx.output('entityRef', environmentComponentRef(name));
      ctx.output(
        'outcome',
        existing ? outcomeOf(ctx.isDryRun, 'delete') : 'absent',
      );
    },
  });
}
