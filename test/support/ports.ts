import { waitUntil } from '@voting-platform/timing';

// one way to pick a port for every server the tests start: see its doc
export { freePort } from '@voting-platform/local-kubernetes';

/** Probes until it answers something (not undefined or false); a probe that throws is "not yet". */
export function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  return waitUntil(
    async () => {
      const value = await probe();
      return value === false ? undefined : value;
    },
    {
      timeoutMs,
      intervalMs: everyMs,
      ignoreErrors: true,
      timeoutMessage: (_, lastError) =>
        `timed out after ${timeoutMs} ms waiting for ${what}${
          lastError ? `: ${(lastError as Error).message}` : ''
        }`,
    },
  );
}
