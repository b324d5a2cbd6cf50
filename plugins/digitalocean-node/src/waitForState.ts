import { ConflictError } from '@backstage/errors';
import { formatDuration, waitUntil } from '@voting-platform/timing';
import type { DigitalOceanClient } from './client';

/** @public */
export interface WaitForStateOptions<T> {
  /** What is awaited, for the log and errors: `cluster "voting"` */
  what: string;
  /** The state that ends the wait, e.g. `running` */
  until: string;
  /** Reads the resource (through `client.call`, so it is retried and mapped) */
  read: () => Promise<T>;
  state: (value: T) => string;
  /** A message when the resource reached a state it does not leave by itself (`error`, `degraded`) */
  failure?: (value: T) => string | undefined;
  timeoutMs: number;
  /** Default: the client's `pollIntervalMs` (from config) */
  intervalMs?: number;
}

/**
 * Polls a resource until it reaches a state, on the client's clock and signal, logging each state
 * it passes through with the time spent (and the unchanged ones at debug level). A failure state
 * is a `ConflictError`.
 *
 * @public
 */
export async function waitForState<T>(
  client: DigitalOceanClient,
  options: WaitForStateOptions<T>,
): Promise<T> {
  const { what, until } = options;
  const { logger } = client;
  let last: string | undefined;
  return waitUntil(
    async elapsed => {
      const value = await options.read();
      const state = options.state(value);
      if (state !== last)
        logger.info(`${what}: ${state} (${formatDuration(elapsed)} elapsed)`);
      else
        logger.debug(
          `${what}: still ${state} (${formatDuration(elapsed)} elapsed)`,
        );
      last = state;
      if (state === until) return value;
      const failure = options.failure?.(value);
      // a state the resource does not leave by itself: not ready for this step, and no retry helps
      if (failure !== undefined)
        throw new ConflictError(`${what} is ${state}: ${failure}`);
      return undefined;
    },
    {
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs ?? client.pollIntervalMs,
      clock: client.clock,
      signal: client.signal,
      timeoutMessage: () =>
        `${what} did not become ${until} within ${formatDuration(
          options.timeoutMs,
        )} (last state: ${last})`,
    },
  );
}
