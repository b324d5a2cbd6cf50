import { realClock, type Clock } from './clock';

/** A wait that ran out of time; its message says what was awaited and the last state seen. */
export class WaitTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}

export interface WaitUntilOptions {
  /** Give up after this long (measured on the clock from the first check). */
  timeoutMs: number;
  /** Time between checks; the last one is shortened to end at the deadline. */
  intervalMs: number;
  /**
   * The message of the {@link WaitTimeoutError}; may read the world once more to say why. With
   * `ignoreErrors`, `lastError` is the error of the last check that threw, if any.
   */
  timeoutMessage: (
    elapsedMs: number,
    lastError?: unknown,
  ) => string | Promise<string>;
  /**
   * Treat a check that throws as "not yet" (a server that is still starting refuses connections)
   * instead of ending the wait with its error.
   */
  ignoreErrors?: boolean;
  clock?: Clock;
  /** Cancels the wait: it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Checks a condition until it holds: `check` returns the awaited value, or `undefined` to be
 * called again after `intervalMs`. A `check` that throws ends the wait with its error (use that
 * for states that never lead to the awaited one). Always checks at least once, and once more at
 * the deadline.
 */
export async function waitUntil<T>(
  check: (elapsedMs: number) => Promise<T | undefined> | T | undefined,
  options: WaitUntilOptions,
): Promise<T> {
  const clock = options.clock ?? realClock;
  const started = clock.now();
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    const elapsed = clock.now() - started;
    try {
      const value = await check(elapsed);
      if (value !== undefined) return value;
    } catch (error) {
      if (!options.ignoreErrors) throw error;
      lastError = error;
    }
    const waited = clock.now() - started;
    if (waited >= options.timeoutMs)
      throw new WaitTimeoutError(
        await options.timeoutMessage(waited, lastError),
      );
    await clock.sleep(
      Math.min(options.intervalMs, options.timeoutMs - waited),
      options.signal,
    );
  }
}
