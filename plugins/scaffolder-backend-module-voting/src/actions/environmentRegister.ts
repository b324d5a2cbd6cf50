import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  checkpointKey,
  describeChange,
  dryRunPlaceholders,
  outcomeOf,
  parseInput,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import {
  ENVIRONMENT_NAME_PATTERN,
  environmentComponentRef,
  type EnvironmentOutcome,
} from '@voting-platform/plugin-voting-common';
import {
  environmentsClient,
  type VotingEnvironmentActionOptions,
} from '../lib/environments';
import { waitUntilCatalogServes } from '../lib/catalogWait';
import { examples } from './environmentRegister.examples';

const id = (what: string) => (z: Zod) =>
  z.string().min(1).describe(`DigitalOcean id of the ${what}`);
const url = (what: string) => (z: Zod) =>
  z.string().url().describe(`Public address of the ${what}`);

const input = {
  name: (z: Zod) =>
    z
      .string()
      .regex(ENVIRONMENT_NAME_PATTERN)
      .describe('Name of the environment, as the create template took it'),
  owner: (z: Zod) =>
    z
      .string()
      .min(1)
      .describe(
        'The owning team, a group reference (group:default/team-a; a bare name means a group in the default namespace)',
      ),
  clusterId: id('Kubernetes cluster'),
  databaseId: id('database cluster'),
  vpcId: id('VPC'),
  domain: (z: Zod) =>
    z.string().min(1).describe('The domain the apps answer under'),
  voteUrl: url('vote app'),
  resultUrl: url('result app'),
  grafanaUrl: (z: Zod) =>
    z.string().url().optional().describe("Grafana's address, if it has one"),
  region: (z: Zod) =>
    z
      .string()
      .optional()
      .describe("The DigitalOcean region of the environment's cluster (nyc1)"),
};

const CHANGES: Partial<Record<EnvironmentOutcome, 'create' | 'update'>> = {
  created: 'create',
  updated: 'update',
};

/**
 * `voting:environment:register`: records an environment in the voting backend (and so, through
 * the voting entity provider, in the catalog), then waits until the catalog serves its Component
 * as recorded. Nothing outside the portal changes.
 *
 * @public
 */
export function createVotingEnvironmentRegisterAction(
  options: VotingEnvironmentActionOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'voting:environment:register',
    description:
      "Records an environment (owner, DigitalOcean ids, domain, the apps' and Grafana's addresses) in the voting backend, from which the catalog makes its entities. Waits until the catalog serves the environment's Component as recorded (not in a dry run). A second register of the same environment updates the record.",
    examples,
    supportsDryRun: true,
    schema: {
      input,
      output: {
        entityRef: z =>
          z.string().describe("The environment's Component in the catalog"),
        outcome: z =>
          z.enum([
            'created',
            'updated',
            'unchanged',
            'would-create',
            'would-update',
          ]),
        createdAt: z => z.string(),
        updatedAt: z => z.string(),
      },
    },
    async handler(ctx) {
      const { name, grafanaUrl, region, ...spec } = parseInput(
        input,
        ctx.input,
      );
      // a dry run records nothing, so it may name what earlier steps would create
      dryRunPlaceholders(ctx.isDryRun, {
        clusterId: spec.clusterId,
        databaseId: spec.databaseId,
        vpcId: spec.vpcId,
      });
      const client = environmentsClient(options, ctx.signal);
      const body = {
        ...spec,
        grafanaUrl: grafanaUrl ?? null,
        region: region ?? null,
      };
      // The backend compares with its record; a retried task then finds its own write done.
      const planned = await client.register(name, body, true);
      const change = CHANGES[planned.outcome];
      const { environment } =
        ctx.isDryRun || !change
          ? planned
          : await ctx.checkpoint({
              key: checkpointKey('environment', 'register', name),
              fn: () => client.register(name, body, false),
            });
      const what = `the record of environment "${name}" (owner ${environment.owner}) in the portal`;
      ctx.logger.info(
        describeChange(
          ctx.isDryRun,
          change ?? 'reuse',
          change ? what : `${what}: it is up to date`,
        ),
      );
      // the output links to the entity page: it must work once the task ends
      if (!ctx.isDryRun)
        await waitUntilCatalogServes(
          options.catalogWait,
          { auth: options.auth, logger: ctx.logger, signal: ctx.signal },
          environment,
        );
      ctx.output('entityRef', environmentComponentRef(name));
      ctx.output(
        'outcome',
        change ? outcomeOf(ctx.isDryRun, change) : 'unchanged',
      );
      // a dry run cannot know the times a real run would record
      const known = !ctx.isDryRun || !change;
      ctx.output(
        'createdAt',
        known || change === 'update' ? environment.createdAt : '',
      );
      ctx.output('updatedAt', known ? environment.updatedAt : '');
    },
  });
}
