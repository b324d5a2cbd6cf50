export interface BackoffOptions {
  /** The first delay (attempt 0), doubled each attempt. */
  baseMs?: number;
  /** The longest delay. */
  maxMs?: number;
  /**
   * Spreads the delay over its upper half at random (default), so that many clients that failed
   * together do not retry together; `false` for a predictable delay.
   */
  jitter?: boolean;
}

/** Exponential back-off: the delay before retry number `attempt` (counted from 0), capped. */
export function backoffDelay(
  attempt: number,
  { baseMs = 100, maxMs = 5_000, jitter = true }: BackoffOptions = {},
): number {
  // the exponent is capped so that a long outage cannot overflow to Infinity
  const ceiling = Math.min(
    maxMs,
    baseMs * 2 ** Math.min(Math.max(attempt, 0), 30),
  );
  return jitter
    ? Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
    : ceiling;
}
