import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  describeRead,
  parseInput,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import {
  fetchPollResults,
  resultsApiUrl,
} from '@voting-platform/plugin-voting-common';
import { examples } from './resultsRead.examples';

const input = {
  resultUrl: (z: Zod) =>
    z
      .string()
      .url()
      .describe(
        'Base URL of the result service, e.g. https://result.example.com',
      ),
  timeoutMs: (z: Zod) =>
    z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(5000)
      .describe('How long to wait for an answer, in ms'),
};

/** Options of {@link createVotingResultsReadAction}. @public */
export interface VotingResultsReadActionOptions {
  /** `voting.allowedResultHosts`: the hosts result URLs may point at, as the voting backend enforces. */
  config?: Config;
}

/**
 * `voting:results:read`: reads the live tallies of a running result service, e.g. as the
 * smoke test at the end of a deployment template. Like the voting backend, it reads only hosts
 * listed in `voting.allowedResultHosts` when that is set (and then follows no redirects).
 *
 * @public
 */
export function createVotingResultsReadAction(
  options: VotingResultsReadActionOptions = {},
): ScaffolderAction {
  const allowedHosts = options.config
    ?.getOptionalStringArray('voting.allowedResultHosts')
    ?.map(host => host.toLowerCase());
  return createTemplateAction({
    id: 'voting:results:read',
    description:
      'Reads GET <resultUrl>/api/results from a running result service and outputs the tallies; fails if it does not answer in time or answers something else.',
    supportsDryRun: true,
    examples,
    schema: {
      input,
      output: {
        poll: z => z.string(),
        question: z => z.string(),
        total: z => z.number(),
        options: z =>
          z.array(
            z.object({
              id: z.string(),
              label: z.string(),
              votes: z.number(),
              percent: z.number(),
            }),
          ),
      },
    },
    async handler(ctx) {
      const i = parseInput(input, ctx.input);
      let host: string;
      try {
        host = resultsApiUrl(i.resultUrl).host;
      } catch (err) {
        throw new InputError(`resultUrl: ${(err as Error).message}`);
      }
      if (allowedHosts && !allowedHosts.includes(host))
        throw new InputError(
          `${host} (from resultUrl) is not in voting.allowedResultHosts`,
        );
      // a read changes nothing: a dry run reads as a real run does
      const results = await fetchPollResults(i.resultUrl, {
        timeoutMs: i.timeoutMs,
        signal: ctx.signal,
        // a redirect could lead anywhere: with an allow-list, none is followed
        fetch: allowedHosts
          ? (url, init) => fetch(url, { ...init, redirect: 'error' })
          : undefined,
      });
      ctx.logger.info(
        describeRead(
          ctx.isDryRun,
          `${results.poll}: ${results.total} votes (${results.options
            .map(o => `${o.label} ${o.votes}`)
            .join(', ')})`,
        ),
      );
      ctx.output('poll', results.poll);
      ctx.output('question', results.question);
      ctx.output('total', results.total);
      ctx.output('options', results.options);
    },
  });
}
