import { createServer } from 'node:net';
import { waitUntil } from '@voting-platform/timing';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

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
