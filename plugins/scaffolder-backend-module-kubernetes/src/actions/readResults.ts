import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { fetchPollResults } from '@voting-platform/plugin-voting-common';

/**
 * `voting:results:read`: reads the live tallies of a running result service, e.g. as the
 * smoke test at the end of a deployment template.
 *
 * @public
 */
export function createReadResultsAction() {
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
      const results = await fetchPollResults(ctx.input.resultUrl, {
        timeoutMs: ctx.input.timeoutMs ?? 5000,
        signal: ctx.signal,
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
