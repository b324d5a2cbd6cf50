import { sleep } from './sleep';

/**
 * Time as code that waits sees it. Production code takes a clock instead of calling `Date.now()`
 * and `setTimeout`, so a test can hand it a {@link ManualClock} and run hours of waiting at once.
 */
export interface Clock {
  now(): number;
  /** Waits `ms`; rejects with the signal's reason when it is aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, signal),
};

/**
 * A clock that moves only when told to. Sleeping on it moves it forward at once (and records the
 * sleep), so a wait or a back-off in the code under test takes no real time; emulators that read it
 * see the time the code waited for.
 */
export class ManualClock implements Clock {
  #now: number;
  /** Every sleep taken on this clock, in ms, in order; tests may clear it. */
  readonly sleeps: number[] = [];

  constructor(start: number | Date = Date.UTC(2026, 0, 1, 12, 0, 0)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('a clock only moves forward');
    this.#now += ms;
  }

  /** Moves time forward to a later instant. */
  set(to: number | Date): void {
    const t = typeof to === 'number' ? to : to.getTime();
    if (t < this.#now) throw new RangeError('a clock only moves forward');
    this.#now = t;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.advance(Math.max(ms, 0));
  }
}
