/**
 * Time as the emulators see it: the platform's one clock. Lifecycle transitions (cluster
 * provisioning -> running, database creating -> online) are computed from it whenever a resource
 * is read, so a test can move a ManualClock forward (or let the code under test sleep on it) and
 * the next GET shows the new state.
 */
export { ManualClock, realClock, type Clock } from '@voting-platform/timing';

export const iso = (ms: number): string =>
  new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
