import pRetry, { AbortError } from 'p-retry';
import { backoffDelay } from './backoff';
import { realClock, type Clock } from './clock';

export interface RetryAttempt {
  /** The error of the attempt that failed. */
  error: Error;
  /** 1 for the first attempt. */
  attemptNumber: number;
  retriesLeft: number;
  /** How long the next attempt waits. */
  delayMs: number;
}

export interface RetryOptions {
  /** Attempts after the first one (default 5). */
  retries?: number;
  /** The first back-off, doubled after each failure up to `maxDelayMs` (defaults 1 s and 30 s). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Randomises the back-off (see {@link backoffDelay}); default false. */
  jitter?: boolean;
  /** Whether an error is worth another attempt (default: every error is). */
  shouldRetry?: (error: Error) => boolean;
  /** How long the server asked to wait (e.g. from `retry-after`); wins over the back-off. */
  retryAfterMs?: (error: Error) => number | undefined;
  /** Called before each wait, e.g. to log why and how long. */
  onRetry?: (attempt: RetryAttempt) => void;
  /** Where the waits happen (default: real time). */
  clock?: Clock;
  /** Cancels both a wait and any attempt not yet started: rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Runs `fn` until it succeeds, the error is not worth retrying, or the retries are used up; then
 * rejects with the last error as it was thrown.
 */
export function retry<T>(
  fn: (attemptNumber: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const {
    retries = 5,
    minDelayMs = 1_000,
    maxDelayMs = 30_000,
    jitter = false,
    clock = realClock,
    signal,
  } = options;
  return pRetry(
    async attemptNumber => {
      try {
        return await fn(attemptNumber);
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        throw options.shouldRetry && !options.shouldRetry(err)
          ? new AbortError(err)
          : err;
      }
    },
    {
      retries,
      // p-retry's own timer cannot run on a manual clock: it waits 0 ms and the back-off is
      // waited in onFailedAttempt instead
      minTimeout: 0,
      maxTimeout: 0,
      signal,
      onFailedAttempt: async failure => {
        if (failure.retriesLeft === 0) return;
        const error = failure as unknown as Error;
        const delayMs =
          options.retryAfterMs?.(error) ??
          backoffDelay(failure.attemptNumber - 1, {
            baseMs: minDelayMs,
            maxMs: maxDelayMs,
            jitter,
          });
        options.onRetry?.({
          error,
          attemptNumber: failure.attemptNumber,
          retriesLeft: failure.retriesLeft,
          delayMs,
        });
        await clock.sleep(delayMs, signal);
      },
    },
  );
}
