import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  parsePollResults,
  type PollResults,
} from '@voting-platform/plugin-voting-common';
import { io, type Socket } from 'socket.io-client';

/** The tallies a result service pushed last, and when they arrived. */
export type ReceivedTallies = { results: PollResults; receivedAt: string };

/**
 * A result service's socket.io stream of tallies (the `results` event its page listens to): it
 * sends the current tallies on connect and again on every change, so the latest push is always
 * current while connected. Reconnects by itself; `latest` is undefined while disconnected.
 */
export class ResultStream {
  readonly #socket: Socket;
  #latest?: ReceivedTallies;

  /**
   * @param resultUrl - the result app's base URL (its socket.io path is below it)
   * @param onChange - called after each push and after a disconnect
   */
  constructor(resultUrl: string, logger: LoggerService, onChange: () => void) {
    const url = new URL(resultUrl);
    this.#socket = io(url.origin, {
      path: `${url.pathname.replace(/\/+$/, '')}/socket.io`,
      transports: ['websocket'],
      reconnectionDelayMax: 5_000,
    });
    this.#socket.on('results', (value: unknown) => {
      try {
        this.#latest = {
          results: parsePollResults(value),
          receivedAt: new Date().toISOString(),
        };
      } catch (error) {
        logger.warn(
          `the result service ${
            url.origin
          } pushed tallies that are not valid: ${(error as Error).message}`,
        );
        return;
      }
      onChange();
    });
    this.#socket.on('disconnect', () => {
      this.#latest = undefined;
      onChange();
    });
  }

  get latest(): ReceivedTallies | undefined {
    return this.#latest;
  }

  close(): void {
    this.#socket.close();
    this.#latest = undefined;
  }
}
