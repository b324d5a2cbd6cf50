/**
 * Time for every package of the platform: one clock, one sleep, one wait-until and one retry,
 * each cancellable with an AbortSignal, and a manual clock that lets tests skip the waiting.
 *
 * @packageDocumentation
 */
export { backoffDelay, type BackoffOptions } from './backoff';
export { ManualClock, realClock, type Clock } from './clock';
export { formatDuration } from './duration';
export { retry, type RetryAttempt, type RetryOptions } from './retry';
export { sleep, type SleepOptions } from './sleep';
export {
  waitUntil,
  WaitTimeoutError,
  type WaitUntilOptions,
} from './waitUntil';
