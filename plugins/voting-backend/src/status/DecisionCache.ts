/** Past this many entries, expired ones are dropped before another is added. */
const SWEEP_ABOVE = 1_000;

type Entry<Decision> = {
  decision: Promise<Decision>;
  expiresAt: number;
  /** How the last request for it would decide: its caller's credentials. */
  decide: () => Promise<Decision>;
  /** Whether a request used it since it was made. */
  used: boolean;
  renewal?: NodeJS.Timeout;
};

/**
 * Permission decisions kept for a few seconds per user: one vote makes every viewer fetch again
 * at the same moment, and without this each of those requests asks the permission backend (an
 * HTTP round trip through it and the policy) for the same user's same answer. Requests that come
 * while the decision is being made wait for it rather than ask again.
 *
 * A decision that requests use is made again in the background before it runs out, at a random
 * moment of the second half of its life, with the credentials of the last request that used it.
 * Without that, the decisions of every viewer, all made on the same signal, would run out
 * together and be made again together in the middle of a later refetch burst: 200 viewers, 200
 * round trips through the permission backend, all in the way of that burst's answers. A decision
 * nobody used since it was made is not renewed: it runs out.
 *
 * What is kept is the policy's answer for the user, before any environment is applied to it, so
 * a changed owner counts at once. A denial is kept like any other answer (a denied user stays
 * denied); a failed decision is not kept, and a failed renewal leaves the decision to run out.
 * No decision is used for longer than the TTL.
 */
export class DecisionCache<Decision> {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, Entry<Decision>>();

  constructor(ttlSeconds: number) {
    this.#ttlMs = ttlSeconds * 1000;
  }

  /** The decision kept for `key`, or the one `decide` makes (then kept for the TTL). */
  get(key: string, decide: () => Promise<Decision>): Promise<Decision> {
    const now = Date.now();
    const kept = this.#entries.get(key);
    if (kept && kept.expiresAt > now) {
      kept.used = true;
      kept.decide = decide;
      return kept.decision;
    }
    if (kept) this.#drop(key, kept);
    if (this.#entries.size >= SWEEP_ABOVE) this.#sweep(now);
    const entry = this.#entry(decide);
    this.#keep(key, entry);
    return entry.decision;
  }

  #entry(decide: () => Promise<Decision>): Entry<Decision> {
    return {
      decision: decide(),
      expiresAt: Date.now() + this.#ttlMs,
      decide,
      used: false,
    };
  }

  /** Keeps the entry once its decision is made, and schedules its renewal. */
  #keep(key: string, entry: Entry<Decision>): void {
    this.#entries.set(key, entry);
    entry.decision.then(
      () => {
        if (this.#entries.get(key) !== entry) return;
        const delayMs = this.#ttlMs * (0.5 + Math.random() * 0.4);
        entry.renewal = setTimeout(() => this.#renew(key, entry), delayMs);
        entry.renewal.unref?.();
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
  }

  #renew(key: string, entry: Entry<Decision>): void {
    if (this.#entries.get(key) !== entry || !entry.used) return;
    const next = this.#entry(entry.decide);
    // the kept decision serves until the new one is made; a failed one changes nothing
    next.decision.then(
      () => {
        if (this.#entries.get(key) === entry) this.#keep(key, next);
      },
      () => undefined,
    );
  }

  #drop(key: string, entry: Entry<Decision>): void {
    clearTimeout(entry.renewal);
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#drop(key, entry);
    }
  }
}
