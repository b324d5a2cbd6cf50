import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ActionClock } from './clock';

export interface WaitForOptions<T> {
  /** What is awaited, for the log and errors: `cluster "voting"` */
  what: string;
  /** The state that ends the wait, e.g. `running` */
  until: string;
  /** Reads the resource (already retried and mapped by the client) */
  poll: () => Promise<T>;
  state: (value: T) => string;
  /** A message when the resource reached a state it does not leave by itself (`error`, `degraded`) */
  failure?: (value: T) => string | undefined;
  timeoutMs: number;
  intervalMs: number;
  clock: ActionClock;
  logger: LoggerService;
  signal?: AbortSignal;
}

const minutes = (ms: number) => `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;

/** Polls until a resource reaches a state, logging each state it passes through with the time spent. */
export async function waitFor<T>(options: WaitForOptions<T>): Promise<T> {
  const { what, until, clock, logger } = options;
  const started = clock.now();
  let last: string | undefined;
  for (;;) {
    const value = await options.poll();
    const state = options.state(value);
    const elapsed = clock.now() - started;
    if (state !== last) logger.info(`${what}: ${state} (${minutes(elapsed)} elapsed)`);
    else logger.debug(`${what}: still ${state} (${minutes(elapsed)} elapsed)`);
    last = state;
    if (state === until) return value;
    const failure = options.failure?.(value);
    if (failure !== undefined) throw new Error(`${what} is ${state}: ${failure}`);
    if (elapsed >= options.timeoutMs) {
      throw new Error(`${what} did not become ${until} within ${minutes(options.timeoutMs)} (last state: ${state})`);
    }
    await clock.sleep(Math.min(options.intervalMs, options.timeoutMs - elapsed), options.signal);
  }
}
