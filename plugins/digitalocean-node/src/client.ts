import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { CustomErrorBase } from '@backstage/errors';
import { realClock, retry, type Clock } from '@voting-platform/timing';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { type createApiClient, modules } from 'dots-wrapper';
import { DIGITALOCEAN_TOKEN_SECRET, readDigitalOceanToken } from './token';

const DEFAULT_API_URL = 'https://api.digitalocean.com/v2';
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_POLL_INTERVAL_SECONDS = 15;

/**
 * How clients are made: configuration, and the time and retry policy (tests shorten both).
 *
 * @public
 */
export interface DigitalOceanClientOptions {
  /**
   * Reads `digitalocean.token`, `digitalocean.apiUrl`, `digitalocean.requestTimeoutMs` and
   * `digitalocean.pollIntervalSeconds`.
   */
  config: Config;
  /** Time for waits and back-off (default: real time). */
  clock?: Clock;
  /** Retry policy: attempts after the first one (default 5) and the first back-off (default 1 s, doubling up to 30 s). */
  retry?: { retries?: number; minDelayMs?: number };
}

/**
 * What one unit of work (a scaffolder task, a request) brings: its secrets, log and cancellation.
 *
 * @public
 */
export interface DigitalOceanCallContext {
  /** Task secrets; `digitaloceanToken` there wins over `digitalocean.token`. */
  secrets?: Record<string, string | undefined>;
  logger: LoggerService;
  /** Aborts the request in flight, the back-off and any wait. */
  signal?: AbortSignal;
}

/**
 * The dots-wrapper client, made on our own HTTP client (retries, time-out, cancellation).
 *
 * @public
 */
export type DigitalOceanApi = Omit<
  ReturnType<typeof createApiClient>,
  '_options'
>;

function createApi(
  httpClient: AxiosInstance,
  endpoint: string,
): DigitalOceanApi {
  const context = Object.freeze({ endpoint, httpClient });
  return modules.common.createApiClient({
    createContext: () => context,
    modules,
  })({ token: '', endpoint });
}

/**
 * A DigitalOcean API error with the provider's message; never carries the request (or its token).
 *
 * @public
 */
export class DigitalOceanError extends CustomErrorBase {
  constructor(
    message: string,
    readonly status?: number,
    /** ms to wait as the provider asked (retry-after) */
    readonly retryAfter?: number,
  ) {
    // no cause: an axios error holds the request, and with it the Authorization header
    super(message);
    this.name = 'DigitalOceanError';
  }
}

/** @public */
export interface DigitalOceanClient {
  /** The dots-wrapper client. */
  api: DigitalOceanApi;
  /** The same HTTP client (base URL, token, timeout, signal) for what dots-wrapper lacks or types wrongly. */
  http: AxiosInstance;
  /**
   * Runs `fn` with the retry policy (429, 5xx, time-outs and lost connections are retried with
   * exponential back-off, honouring `retry-after`) and turns failures into a DigitalOceanError
   * naming `what`. A create passed here must look for the resource first, as an attempt that
   * timed out may have created it.
   */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** How often a wait for a state reads the resource again (`digitalocean.pollIntervalSeconds`, default 15 s). */
  pollIntervalMs: number;
  /** The clock, logger and signal of this client, for waits that go with its calls. */
  clock: Clock;
  logger: LoggerService;
  signal?: AbortSignal;
}

function retryAfterMs(headers: unknown): number | undefined {
  const h = headers as Record<string, string | undefined> | undefined;
  const value = h?.['retry-after'];
  if (value !== undefined) {
    const seconds = Number(value);
    if (Number.isFinite(seconds)) return Math.max(seconds, 0) * 1000;
    const at = Date.parse(value);
    if (Number.isFinite(at)) return Math.max(at - Date.now(), 0);
  }
  if (h?.['ratelimit-remaining'] === '0' && h['ratelimit-reset']) {
    return Math.max(Number(h['ratelimit-reset']) * 1000 - Date.now(), 0);
  }
  return undefined;
}

/** Maps an axios failure to a DigitalOceanError with the provider's message (and nothing of the request). */
function toError(
  what: string,
  err: unknown,
  timeoutMs: number,
): DigitalOceanError {
  if (err instanceof DigitalOceanError) return err;
  if (!isAxiosError(err))
    return new DigitalOceanError(
      `DigitalOcean: ${what} failed: ${(err as Error)?.message ?? err}`,
    );
  const response = err.response;
  if (!response) {
    if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT') {
      return new DigitalOceanError(
        `DigitalOcean did not answer "${what}" within ${timeoutMs} ms`,
      );
    }
    return new DigitalOceanError(
      `DigitalOcean could not be reached for "${what}": ${
        err.code ?? err.message
      }`,
    );
  }
  const body = response.data as
    | { id?: string; message?: string; request_id?: string }
    | undefined;
  const message =
    typeof body?.message === 'string' ? body.message : response.statusText;
  if (response.status === 401) {
    return new DigitalOceanError(
      `DigitalOcean rejected the API token (401 ${message}): check digitalocean.token in app-config or the ${DIGITALOCEAN_TOKEN_SECRET} task secret`,
      401,
    );
  }
  const id = body?.request_id ? ` (request ${body.request_id})` : '';
  return new DigitalOceanError(
    `DigitalOcean: ${what} failed with ${response.status}: ${message}${id}`,
    response.status,
    retryAfterMs(response.headers),
  );
}

const retryable = (err: DigitalOceanError) =>
  err.status === undefined || err.status === 429 || err.status >= 500;

/**
 * Creates a client for one unit of work. The token comes from the `digitaloceanToken` task secret
 * or else from `digitalocean.token` (see {@link readDigitalOceanToken}).
 *
 * @public
 */
export function createDigitalOceanClient(
  options: DigitalOceanClientOptions,
  ctx: DigitalOceanCallContext,
): DigitalOceanClient {
  const { config } = options;
  const token = readDigitalOceanToken(config, ctx.secrets);
  const endpoint =
    config.getOptionalString('digitalocean.apiUrl') ?? DEFAULT_API_URL;
  const timeoutMs =
    config.getOptionalNumber('digitalocean.requestTimeoutMs') ??
    DEFAULT_TIMEOUT_MS;
  const http = axios.create({
    baseURL: endpoint,
    timeout: timeoutMs,
    signal: ctx.signal,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
    },
  });
  const clock = options.clock ?? realClock;

  return {
    api: createApi(http, endpoint),
    http,
    pollIntervalMs:
      (config.getOptionalNumber('digitalocean.pollIntervalSeconds') ??
        DEFAULT_POLL_INTERVAL_SECONDS) * 1000,
    clock,
    logger: ctx.logger,
    signal: ctx.signal,
    call: <T>(what: string, fn: () => Promise<T>) =>
      retry(
        async () => {
          try {
            return await fn();
          } catch (err) {
            // a cancelled task ends here, not in a retry
            ctx.signal?.throwIfAborted();
            throw toError(what, err, timeoutMs);
          }
        },
        {
          retries: options.retry?.retries ?? 5,
          minDelayMs: options.retry?.minDelayMs ?? 1000,
          maxDelayMs: 30_000,
          shouldRetry: err =>
            err instanceof DigitalOceanError && retryable(err),
          retryAfterMs: err => (err as DigitalOceanError).retryAfter,
          onRetry: ({ error, delayMs, retriesLeft }) =>
            ctx.logger.warn(
              `${error.message}; retrying in ${Math.ceil(
                delayMs / 1000,
              )} s (${retriesLeft} attempts left)`,
            ),
          clock,
          signal: ctx.signal,
        },
      ),
  };
}

/** The HTTP status of a provider answer, from a mapped or a raw (axios) error. */
function statusOf(err: unknown): number | undefined {
  if (err instanceof DigitalOceanError) return err.status;
  return isAxiosError(err) ? err.response?.status : undefined;
}

/**
 * True when the error (mapped or raw) is the provider saying the resource does not exist.
 *
 * @public
 */
export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/**
 * True when the error (mapped or raw) is the provider refusing a request as unprocessable (422),
 * which is how DigitalOcean refuses a name that is taken.
 *
 * @public
 */
export function isUnprocessable(err: unknown): boolean {
  return statusOf(err) === 422;
}

/**
 * Creates a resource whose name is unique in the account, once, even when an earlier attempt
 * timed out: looks it up by name first, and when DigitalOcean refuses the name (422) because that
 * attempt landed after the look-up, takes what it made. Meant to run inside `client.call`, whose
 * retries bring it back here after a time-out.
 *
 * @public
 */
export async function createUnlessFound(
  find: () => Promise<{ id: string } | undefined>,
  create: () => Promise<{ id: string }>,
): Promise<{ id: string }> {
  const found = await find();
  if (found) return { id: found.id };
  try {
    return { id: (await create()).id };
  } catch (error) {
    const landed = isUnprocessable(error) ? await find() : undefined;
    if (landed) return { id: landed.id };
    throw error;
  }
}

/**
 * Reads every page of a DigitalOcean list.
 *
 * @public
 */
export async function listAll<T>(
  page: (
    n: number,
  ) => Promise<{ data: { links?: { pages?: { next?: string } } } }>,
  items: (data: any) => T[],
): Promise<T[]> {
  const all: T[] = [];
  for (let n = 1; ; n++) {
    const { data } = await page(n);
    all.push(...items(data));
    if (!data.links?.pages?.next) return all;
  }
}
