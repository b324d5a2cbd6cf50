import { z } from 'zod';
import type { PollResults } from './types';

const count = z.number().int().nonnegative();

const resultsSchema = z.object({
  poll: z.string().min(1),
  question: z.string(),
  total: count,
  options: z.array(
    z.object({
      id: z.string().min(1),
      label: z.string(),
      votes: count,
      percent: z.number().min(0).max(100),
    }),
  ),
});

/**
 * Checks that a value has the shape of {@link PollResults}; throws an Error naming the first
 * problem otherwise. Unknown fields are dropped.
 *
 * @public
 */
export function parsePollResults(value: unknown): PollResults {
  const parsed = resultsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new Error(
      `not a results document${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/**
 * Parses the base URL of a result service (from the annotation or an action input): http or
 * https only, no credentials, no query or fragment. Returns the URL of its results API.
 *
 * @public
 */
export function resultsApiUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`"${baseUrl}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`"${baseUrl}" must use http or https`);
  }
  if (url.username || url.password) {
    throw new Error('the result service URL must not contain credentials');
  }
  if (url.search || url.hash) {
    throw new Error(`"${baseUrl}" must not have a query or a fragment`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/results`;
  return url;
}

/**
 * Why reading a result service failed.
 *
 * @public
 */
export type ResultServiceFailure =
  | 'timeout'
  | 'unreachable'
  | 'bad-status'
  | 'bad-body';

/**
 * A result service could not be read.
 *
 * @public
 */
export class ResultServiceError extends Error {
  override readonly name = 'ResultServiceError';
  constructor(message: string, readonly failure: ResultServiceFailure) {
    super(message);
  }
}

/**
 * Reads the live tallies from a result service, with a timeout. Errors say which URL failed
 * and why (timeout, HTTP status, or an unexpected body).
 *
 * @public
 */
export async function fetchPollResults(
  baseUrl: string,
  options: { timeoutMs: number; fetch?: typeof fetch; signal?: AbortSignal },
): Promise<PollResults> {
  const url = resultsApiUrl(baseUrl);
  const doFetch = options.fetch ?? fetch;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal
    ? AbortSignal.any([timeout, options.signal])
    : timeout;
  let response: Response;
  try {
    response = await doFetch(url, {
      headers: { accept: 'application/json' },
      signal,
    });
  } catch (error) {
    if (timeout.aborted) {
      throw new ResultServiceError(
        `${url} did not answer within ${options.timeoutMs} ms`,
        'timeout',
      );
    }
    throw new ResultServiceError(
      `cannot reach ${url}: ${describe(error)}`,
      'unreachable',
    );
  }
  if (!response.ok) {
    throw new ResultServiceError(
      `${url} answered ${response.status} ${response.statusText}`.trim(),
      'bad-status',
    );
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ResultServiceError(`${url} did not return JSON`, 'bad-body');
  }
  try {
    return parsePollResults(body);
  } catch (error) {
    throw new ResultServiceError(`${url}: ${describe(error)}`, 'bad-body');
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } })
      .cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
