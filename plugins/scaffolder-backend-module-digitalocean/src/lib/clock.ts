import { setTimeout as delay } from 'node:timers/promises';

/**
 * Time as the actions see it: waiting for a cluster, backing off before a retry. Tests pass a clock
 * that moves the emulator's time instead of sleeping.
 */
export interface ActionClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: ActionClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }),
};
