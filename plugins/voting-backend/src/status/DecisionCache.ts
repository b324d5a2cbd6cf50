/** Past this many entries, expired ones are dropped before another is added. */
const SWEEP_ABOVE = 1_000;

/**
 * Permission decisions kept for a few seconds per user: one vote makes every viewer fetch again
 * at the same moment, and without this each of those requests asks the permission backend (an
 * HTTP round trip through it and the policy) for the same user's same answer. Requests that come
 * while the decision is being made wait for it rather than ask again.
 *
 * What is kept is the policy's answer for the user, before any environment is applied to it, so
 * a changed owner counts at once. A denial is kept like any other answer (a denied user stays
 * denied); a failed decision is not kept.
 */
export class DecisionCache<Decision> {
  readonly #ttlMs: number;
  readonly #entries = new Map<
    string,
    { decision: Promise<Decision>; expiresAt: number }
  >();

  constructor(ttlSeconds: number) {
    this.#ttlMs = ttlSeconds * 1000;
  }

  /** The decision kept for `key`, or the one `decide` makes (then kept for the TTL). */
  get(key: string, decide: () => Promise<Decision>): Promise<Decision> {
    const now = Date.now();
    const kept = this.#entries.get(key);
    if (kept && kept.expiresAt > now) return kept.decision;
    if (this.#entries.size >= SWEEP_ABOVE) this.#sweep(now);
    const decision = decide();
    this.#entries.set(key, { decision, expiresAt: now + this.#ttlMs });
    decision.catch(() => {
      if (this.#entries.get(key)?.decision === decision) {
        this.#entries.delete(key);
      }
    });
    return decision;
  }

  #sweep(now: number): void {
    for (const [key, { expiresAt }] of this.#entries) {
      if (expiresAt <= now) this.#entries.delete(key);
    }
  }
}
