import { waitUntil } from '@voting-platform/timing';

/**
 * Waits until every request an emulator recorded has been answered (`status` set): requests the
 * client gave up on (a slow-answer fault) still land later, and a sandbox stopped before they do
 * fails them. Waits for that condition rather than for a fixed time.
 *
 * @public
 */
export function waitForAnswers(
  requests: ReadonlyArray<{ status: number }>,
  timeoutMs = 10_000,
): Promise<true> {
  return waitUntil(
    () => (requests.every(r => r.status !== 0) ? true : undefined),
    {
      timeoutMs,
      intervalMs: 10,
      timeoutMessage: () =>
        `${
          requests.filter(r => r.status === 0).length
        } request(s) still unanswered after ${timeoutMs} ms`,
    },
  );
}
