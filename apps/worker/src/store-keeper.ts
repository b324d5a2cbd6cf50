import type pg from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import { rebuildStore, storeGeneration } from '@voting-platform/core/db';
import {
  STORE_CHECK_MS,
  StoreIncompleteError,
  type QueuedVote,
  type RequeueOutcome,
  type VoteConsumer,
} from '@voting-platform/core/queue';
import type { Logger } from '@voting-platform/core/service';

export interface StoreKeeperDeps {
  consumer: VoteConsumer;
  pool: pg.Pool;
  /** The queue store's name (QUEUE_STREAM): the row of queue_stores it answers to. */
  stream: string;
  logger: Logger;
  registry: Registry;
}

/**
 * Keeps the queue store's voters' records in step with PostgreSQL, the durable record of who
 * voted what. The worker does it, not the vote app: it already talks to both stores, it is
 * the process that writes the votes being rebuilt from, and it keeps the vote app free of a
 * PostgreSQL dependency on its hot path. Several workers may notice a loss at once; an advisory
 * lock in PostgreSQL lets one rebuild while the others go on consuming.
 */
export class StoreKeeper {
  private checkedAt = 0;
  private readonly metrics;

  constructor(private readonly deps: StoreKeeperDeps) {
    const registers = [deps.registry];
    this.metrics = {
      rebuilds: new Counter({
        name: 'queue_store_rebuilds_total',
        help: "Rebuilds of the queue store's voters' records from PostgreSQL, by reason: first-build (an empty deployment), lost (the store lost its data)",
        labelNames: ['reason'],
        registers,
      }),
      rebuildVoters: new Gauge({
        name: 'queue_store_rebuild_voters',
        help: 'Voters written by the last rebuild',
        registers,
      }),
      rebuildSeconds: new Gauge({
        name: 'queue_store_rebuild_seconds',
        help: 'Duration of the last rebuild',
        registers,
      }),
      requeued: new Counter({
        name: 'worker_votes_requeued_total',
        help: 'Votes of an older store generation put back into the current one',
        registers,
      }),
      superseded: new Counter({
        name: 'worker_votes_superseded_total',
        help: 'Votes of an older store generation dropped because the voter has since chosen otherwise',
        registers,
      }),
    };
  }

  /**
   * Looks (at most every STORE_CHECK_MS unless forced) whether the store's marker names the
   * generation PostgreSQL recorded; rebuilds the store if not.
   */
  async ensure(force = false): Promise<void> {
    if (!force && Date.now() < this.checkedAt + STORE_CHECK_MS) return;
    this.checkedAt = Date.now();
    const { consumer, pool, stream } = this.deps;
    const [held, wanted] = await Promise.all([
      consumer.storeGeneration(),
      storeGeneration(pool, stream),
    ]);
    if (held !== null && held === wanted) return;
    await this.rebuild(held, wanted);
  }

  /** For /readyz: the store carries a marker. */
  async check(): Promise<void> {
    if ((await this.deps.consumer.storeGeneration()) === null)
      throw new StoreIncompleteError('no marker');
  }

  private async rebuild(
    held: number | null,
    wanted: number | null,
  ): Promise<void> {
    const { consumer, pool, stream, logger } = this.deps;
    const started = Date.now();
    let voters = 0;
    let reason = 'lost';
    logger.warn(
      { stream, held, wanted },
      "the queue store's voters' records are not complete; rebuilding them from PostgreSQL",
    );
    const outcome = await rebuildStore(pool, stream, {
      // Another worker may have finished a rebuild while this one waited for the lock.
      needed: async current => {
        reason = current === null ? 'first-build' : 'lost';
        return (
          (await consumer.storeGeneration()) !== current || current === null
        );
      },
      begin: generation => consumer.beginRebuild(generation),
      write: async records => {
        voters += records.length;
        await consumer.restoreVoters(records);
      },
      complete: generation => consumer.markComplete(generation),
    });
    if (typeof outcome !== 'number') {
      logger.info({ stream, outcome }, 'no rebuild by this worker');
      return;
    }
    const seconds = (Date.now() - started) / 1000;
    this.metrics.rebuilds.inc({ reason });
    this.metrics.rebuildVoters.set(voters);
    this.metrics.rebuildSeconds.set(seconds);
    logger.warn(
      { stream, generation: outcome, voters, seconds, reason },
      'queue store rebuilt from PostgreSQL; votes are taken again',
    );
  }

  /**
   * Puts votes of an older generation back into the store at PostgreSQL's generation, waiting
   * for (or doing) the rebuild first. False if stopped before that could happen.
   */
  async putBack(
    votes: QueuedVote[],
    signal: AbortSignal,
    pause: (attempt: number) => Promise<void>,
  ): Promise<boolean> {
    const { pool, stream, logger } = this.deps;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        await this.ensure(attempt > 0);
        const generation = await storeGeneration(pool, stream);
        if (generation === null)
          throw new StoreIncompleteError('not built yet');
        const outcomes: RequeueOutcome[] = await this.deps.consumer.requeue(
          votes,
          generation,
        );
        const superseded = outcomes.filter(o => o === 'superseded').length;
        this.metrics.requeued.inc(outcomes.length - superseded);
        this.metrics.superseded.inc(superseded);
        logger.warn(
          { votes: votes.length, superseded, generation },
          'votes taken before the queue store was rebuilt were put back into it',
        );
        return true;
      } catch (error) {
        logger.warn(
          { err: error, attempt },
          'putting back votes of an older store generation failed; retrying',
        );
        await pause(attempt);
      }
    }
    return false;
  }
}
