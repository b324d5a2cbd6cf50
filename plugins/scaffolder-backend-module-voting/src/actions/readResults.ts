import type { Config } from '@backstage/config';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  fetchPollResults,
  resultsApiUrl,
} from '@voting-platform/plugin-voting-common';

/** Options of {@link createReadResultsAction}. @public */
export interface ReadResultsActionOptions {
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
export function createReadResultsAction(
  options: ReadResultsActionOptions = {},
) {
  const allowedHosts = options.config
    ?.getOptionalStringArray('voting.allowedResultHosts')
    ?.map(host => host.toLowerCase());
  return createTemplateAction({
    id: 'voting:results:read',
    description:
      'Reads GET <resultUrl>/api/results from a running result service and outputs the tallies; fails if it does not answer in time or answers something else.',
    supportsDryRun: true,
    schema: {
      input: {
        resultUrl: z =>
          z
            .string()
            .url()
            .describe(
              'Base URL of the result service, e.g. https://result.example.com',
            ),
        timeoutMs: z =>
          z
            .number()
            .int()
            .min(100)
            .max(60_000)
            .optional()
            .describe('How long to wait for an answer, in ms (default 5000)'),
      },
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
      if (allowedHosts) {
        const host = resultsApiUrl(ctx.input.resultUrl).host;
        if (!allowedHosts.includes(host)) {
          throw new Error(
            `${host} (from resultUrl) is not in voting.allowedResultHosts`,
          );
        }
      }
      const results = await fetchPollResults(ctx.input.resultUrl, {
        timeoutMs: ctx.input.timeoutMs ?? 5000,
        signal: ctx.signal,
        // a redirect could lead anywhere: with an allow-list, none is followed
        fetch: allowedHosts
          ? (url, init) => fetch(url, { ...init, redirect: 'error' })
          : undefined,
      });
      ctx.logger.info(
        `${results.poll}: ${results.total} votes (${results.options
          .map(o => `${o.label} ${o.votes}`)
          .join(', ')})`,
      );
      ctx.output('poll', results.poll);
      ctx.output('question', results.question);
      ctx.output('total', results.total);
      ctx.output('options', results.options);
    },
  });
}
