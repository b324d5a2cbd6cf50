import type pg from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { recordVotes } from '@voting-platform/core/db';
import type { VoteBatch, VoteConsumer } from '@voting-platform/core/queue';
import type { Logger } from '@voting-platform/core/service';
import { backoffDelay, sleep } from '@voting-platform/timing';
import type { StoreKeeper } from './store-keeper.js';

export interface WorkerDeps {
  consumer: VoteConsumer;
  pool: pg.Pool;
  logger: Logger;
  registry: Registry;
  batchSize: number;
  pollMs: number;
  /** The queue store's name: the fence of every batch (see recordVotes). */
  stream: string;
  keeper: StoreKeeper;
}

/**
 * Moves votes from the queue into PostgreSQL: take a batch, commit it, then acknowledge it.
 * A crash anywhere leaves the batch unacknowledged, so it is delivered again; the store
 * ignores votes it already has, so nothing is lost and nothing counts twice.
 */
export class VoteWorker {
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  private readonly metrics;

  constructor(private readonly deps: WorkerDeps) {
    const registers = [deps.registry];
    this.metrics = {
      recorded: new Counter({
        name: 'worker_votes_recorded_total',
        help: 'Votes newly stored',
        registers,
      }),
      duplicates: new Counter({
        name: 'worker_votes_duplicate_total',
        help: 'Re-delivered votes that were already stored',
        registers,
      }),
      invalid: new Counter({
        name: 'worker_messages_invalid_total',
        help: 'Queue entries that were not valid votes, dropped',
        registers,
      }),
      batchSize: new Histogram({
        name: 'worker_batch_size',
        help: 'Votes per committed batch',
        buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
        registers,
      }),
      batchSeconds: new Histogram({
        name: 'worker_batch_duration_seconds',
        help: 'Time to store one batch',
        registers,
      }),
      queueErrors: new Counter({
        name: 'worker_queue_errors_total',
        help: 'Failed reads or acknowledgements',
        registers,
      }),
      storeErrors: new Counter({
        name: 'worker_store_errors_total',
        help: 'Failed batch writes (retried)',
        registers,
      }),
    };
    deps.registry.registerMetric(
      new Gauge({
        name: 'queue_lag',
        help: 'Votes accepted but not yet acknowledged by a worker',
        registers: [],
        async collect(this: Gauge) {
          this.set(await deps.consumer.lag().catch(() => Number.NaN));
        },
      }),
    );
  }

  start(): void {
    this.loop = this.run();
  }

  /** Finishes the batch in hand (or gives it back if the database is away), then stops. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { consumer, logger, batchSize, pollMs } = this.deps;
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      // A store that lost its data is rebuilt before anything else; votes wait meanwhile.
      await this.deps.keeper.ensure().catch(error => {
        this.metrics.queueErrors.inc();
        logger.warn(
          { err: error },
          "checking the queue store's voters' records failed; retrying",
        );
      });
      let batch: VoteBatch;
      try {
        batch = await consumer.next(batchSize, pollMs);
        failures = 0;
      } catch (error) {
        this.metrics.queueErrors.inc();
        logger.warn({ err: error }, 'reading the queue failed; retrying');
        await sleep(backoffDelay(failures++), this.stopping.signal, {
          onAbort: 'resolve',
        });
        continue;
      }
      if (batch.votes.length === 0 && batch.invalid === 0) continue;
      if (!(await this.store(batch))) {
        await consumer.release(batch).catch(() => {});
        return;
      }
      await consumer.ack(batch).catch(error => {
        // The batch will be delivered again and skipped as already stored.
        this.metrics.queueErrors.inc();
        logger.warn(
          { err: error },
          'acknowledging a batch failed; it will be re-delivered',
        );
      });
    }
  }

  /** Writes a batch, retrying until it is committed; false if shutdown came first. */
  private async store(batch: VoteBatch): Promise<boolean> {
    const { pool, logger } = this.deps;
    if (batch.invalid > 0) {
      this.metrics.invalid.inc(batch.invalid);
      logger.warn(
        { count: batch.invalid },
        'dropping queue entries that are not valid votes',
      );
    }
    for (let attempt = 0; ; attempt++) {
      const timer = this.metrics.batchSeconds.startTimer();
      try {
        const { inserted, generation } = await recordVotes(pool, batch.votes, {
          stream: this.deps.stream,
        });
        timer();
        // Votes taken before the store was rebuilt were not inserted (the rebuild has not seen
        // them): they go back into the rebuilt store, first choice still winning there.
        const stale = batch.votes.filter(
          vote => vote.generation !== generation,
        );
        this.metrics.batchSize.observe(batch.votes.length - stale.length);
        this.metrics.recorded.inc(inserted);
        this.metrics.duplicates.inc(
          batch.votes.length - stale.length - inserted,
        );
        if (stale.length > 0)
          return this.deps.keeper.putBack(stale, this.stopping.signal, n =>
            sleep(backoffDelay(n), this.stopping.signal, {
              onAbort: 'resolve',
            }),
          );
        return true;
      } catch (error) {
        this.metrics.storeErrors.inc();
        logger.warn(
          { err: error, attempt },
          'storing a batch failed; retrying',
        );
        // On shutdown a batch is given back rather than retried; another worker takes it.
        if (this.stopping.signal.aborted) return false;
        await sleep(backoffDelay(attempt), this.stopping.signal, {
          onAbort: 'resolve',
        });
      }
    }
  }
}
