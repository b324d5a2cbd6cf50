import { io, type Socket } from 'socket.io-client';
import type { PollResults } from '@voting-platform/core';
import { sleep } from '@voting-platform/timing';

/** A live results client that records every push it receives, with its arrival time. */
export class ResultsClient {
  readonly received: Array<{ at: number; results: PollResults }> = [];
  private readonly socket: Socket;
  private waiters: Array<() => void> = [];

  constructor(url: string) {
    this.socket = io(url, {
      transports: ['websocket'],
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
    });
    this.socket.on('results', (results: PollResults) => {
      this.received.push({ at: Date.now(), results });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  get latest(): PollResults | undefined {
    return this.received.at(-1)?.results;
  }

  /** Resolves with the first pushed result that satisfies the predicate. */
  async waitFor(
    predicate: (results: PollResults) => boolean,
    timeoutMs = 10_000,
  ): Promise<PollResults> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.received.find(r => predicate(r.results));
      if (match) return match.results;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching push within ${timeoutMs} ms; last: ${JSON.stringify(
            this.latest,
          )}`,
        );
      // a push ends the wait early
      const pushed = new AbortController();
      this.waiters.push(() => pushed.abort());
      await sleep(left, pushed.signal, { onAbort: 'resolve' });
    }
  }

  close(): void {
    this.socket.close();
  }
}
