import pg from 'pg';
import { EventEmitter } from 'node:events';
import {
  buildResults,
  sameResults,
  type Poll,
  type PollResults,
} from '@voting-platform/core';
import { readTallies, TALLY_CHANNEL } from '@voting-platform/core/db';
import type { Logger } from '@voting-platform/core/service';
import { backoffDelay, sleep } from '@voting-platform/timing';
import { Coalescer } from './coalescer.js';

/**
 * Keeps the current results of one poll and emits 'change' only when they change. It learns
 * about new votes from PostgreSQL LISTEN/NOTIFY, never by polling; after a lost connection it
 * reconnects with back-off and re-reads, since notifications sent meanwhile are gone.
 */
export class LiveTallies extends EventEmitter<{ change: [PollResults] }> {
  private current?: PollResults;
  private listener?: pg.Client;
  private readonly closed = new AbortController();
  private readonly refresher: Coalescer;

  constructor(
    private readonly poll: Poll,
    private readonly pool: pg.Pool,
    private readonly databaseUrl: string,
    pushIntervalMs: number,
    private readonly logger: Logger,
  ) {
    super();
    this.refresher = new Coalescer(pushIntervalMs, () => this.refresh());
  }

  /** Resolves once the first LISTEN is in place (or keeps trying in the background). */
  async start(): Promise<void> {
    await this.listen();
  }

  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** The latest results; read from the database when no listener keeps them current. */
  async results(): Promise<PollResults> {
    if (this.current && this.listening) return this.current;
    return this.load();
  }

  private async load(): Promise<PollResults> {
    const results = buildResults(
      this.poll,
      await readTallies(this.pool, this.poll.id),
    );
    if (!sameResults(this.current, results)) {
      this.current = results;
      this.emit('change', results);
    }
    return results;
  }

  private async refresh(): Promise<void> {
    try {
      await this.load();
    } catch (error) {
      this.logger.warn({ err: error }, 'reading tallies failed');
    }
  }

  private async listen(): Promise<void> {
    for (let attempt = 0; !this.closed.signal.aborted; attempt++) {
      const client = new pg.Client({
        connectionString: this.databaseUrl,
        connectionTimeoutMillis: 2_000,
      });
      try {
        await client.connect();
        client.on('notification', message => {
          if (message.payload === this.poll.id) this.refresher.request();
        });
        client.on('error', error => this.reconnect(client, error));
        client.on('end', () =>
          this.reconnect(client, new Error('connection ended')),
        );
        await client.query(`LISTEN ${TALLY_CHANNEL}`);
        this.listener = client;
        this.logger.info('listening for tally changes');
        await this.refresh();
        return;
      } catch (error) {
        client.removeAllListeners();
        await client.end().catch(() => {});
        this.logger.warn(
          { err: error, attempt },
          'cannot listen for tally changes; retrying',
        );
        await sleep(backoffDelay(attempt), this.closed.signal, {
          onAbort: 'resolve',
        });
      }
    }
  }

  private reconnect(client: pg.Client, error: Error): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    client.removeAllListeners();
    client.end().catch(() => {});
    if (this.closed.signal.aborted) return;
    this.logger.warn({ err: error }, 'lost the tally listener; reconnecting');
    void this.listen();
  }

  async close(): Promise<void> {
    this.closed.abort();
    this.refresher.stop();
    const client = this.listener;
    this.listener = undefined;
    client?.removeAllListeners();
    await client?.end().catch(() => {});
  }
}
