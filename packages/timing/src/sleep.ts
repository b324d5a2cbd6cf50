import { setTimeout as delay } from 'node:timers/promises';

export interface SleepOptions {
  /**
   * What an abort does: `reject` (default) with the signal's reason, as a cancelled operation
   * should; `resolve` early, for loops that wait between attempts and check their own stop flag.
   */
  onAbort?: 'reject' | 'resolve';
}

/** Waits `ms` milliseconds, or less when the signal is aborted (see {@link SleepOptions}). */
export async function sleep(
  ms: number,
  signal?: AbortSignal,
  options: SleepOptions = {},
): Promise<void> {
  try {
    await delay(Math.max(ms, 0), undefined, { signal });
  } catch (error) {
    if (!signal?.aborted) throw error;
    if (options.onAbort === 'resolve') return;
    // the reason itself (node wraps it in an AbortError), as signal.throwIfAborted() throws it
    throw signal.reason;
  }
}
