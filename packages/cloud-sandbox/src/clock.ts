/**
 * Time as the emulators see it. Lifecycle transitions (cluster provisioning -> running, database
 * creating -> online) are computed from it whenever a resource is read, so a test can move a
 * {@link ManualClock} forward and the next GET shows the new state.
 */
export interface Clock {
  now(): number;
}

export class ManualClock implements Clock {
  #now: number;
  constructor(start: number | Date = Date.UTC(2026, 0, 1, 12, 0, 0)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }
  now(): number {
    return this.#now;
  }
  /** Moves time forward by `ms` milliseconds (or to a later instant). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('a clock only moves forward');
    this.#now += ms;
  }
  set(to: number | Date): void {
    const t = typeof to === 'number' ? to : to.getTime();
    if (t < this.#now) throw new RangeError('a clock only moves forward');
    this.#now = t;
  }
}

export const realClock: Clock = { now: () => Date.now() };

export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
