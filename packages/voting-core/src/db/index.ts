import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import type { OptionId, Vote } from '../poll.js';
import type { Logger } from '../service/logger.js';
import type { QueuedVote, VoterRecord } from '../queue/types.js';

/** The channel the worker notifies after each committed batch; the payload is the poll id. */
export const TALLY_CHANNEL = 'vote_tallies';

const MIGRATIONS_DIR = fileURLToPath(
  new URL('../../migrations', import.meta.url),
);

/** Brings the schema up to date. Safe to run from several processes at once (advisory lock). */
export async function migrate(
  databaseUrl: string,
  logger: Logger,
): Promise<void> {
  await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    singleTransaction: true,
    log: message => logger.info({ migration: message }, 'migration'),
  });
}

export function createPool(
  databaseUrl: string,
  logger: Logger,
  max = 4,
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: 2_000,
  });
  // An idle client whose server went away reports here; the pool drops it and connects anew.
  pool.on('error', error =>
    logger.warn({ err: error }, 'postgres connection lost'),
  );
  return pool;
}

export interface RecordResult {
  /** Votes that were new; the rest had been recorded before (a re-delivery), or were stale. */
  inserted: number;
  /**
   * With a fence: the store generation the statement saw (null before the first rebuild).
   * Votes accepted under another generation were not inserted; the caller puts them back.
   */
  generation?: number | null;
}

/**
 * Stores a batch with one statement, so in one transaction: a multi-row insert that skips
 * voters already recorded, the running totals bumped by what was really inserted, and one
 * notification per poll that changed, which PostgreSQL delivers only when the statement commits.
 * (One statement through the pool also means no checked-out client can die unobserved.)
 *
 * With a fence (the queue store's name), only votes accepted under the store's current
 * generation are inserted, and the generation row is share-locked meanwhile: a rebuild, which
 * takes it FOR UPDATE, waits for this statement and then reads what it inserted, and this
 * statement, if it comes second, sees the new generation and inserts none of the stale votes.
 */
export async function recordVotes(
  pool: pg.Pool,
  votes: Vote[] | QueuedVote[],
  fence?: { stream: string },
): Promise<RecordResult> {
  if (votes.length === 0) return { inserted: 0, generation: undefined };
  const fenced = fence !== undefined;
  const { rows } = await pool.query<{
    inserted: string;
    generation: string | null;
  }>(
    `WITH fence AS (
       SELECT generation FROM queue_stores WHERE $6::boolean AND stream = $5 FOR SHARE
     ), inserted AS (
       INSERT INTO votes (poll_id, voter_id, option_id, cast_at)
       SELECT poll, voter, option, at FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $7::bigint[]) AS v(poll, voter, option, at, gen)
       WHERE NOT $6::boolean OR v.gen = (SELECT generation FROM fence)
       ON CONFLICT (poll_id, voter_id) DO NOTHING
       RETURNING poll_id, option_id
     ), counted AS (
       INSERT INTO vote_tallies (poll_id, option_id, votes)
       SELECT poll_id, option_id, count(*) FROM inserted GROUP BY poll_id, option_id
       ON CONFLICT (poll_id, option_id) DO UPDATE SET votes = vote_tallies.votes + excluded.votes
       RETURNING poll_id
     ), notified AS (
       SELECT pg_notify('${TALLY_CHANNEL}', poll_id) FROM (SELECT DISTINCT poll_id FROM counted) changed
     )
     SELECT (SELECT count(*) FROM inserted) AS inserted, (SELECT count(*) FROM notified) AS notified,
            (SELECT generation FROM fence) AS generation`,
    [
      votes.map(v => v.pollId),
      votes.map(v => v.voterId),
      votes.map(v => v.option),
      votes.map(v => new Date(v.castAt).toISOString()),
      fence?.stream ?? '',
      fenced,
      votes.map(v => ('generation' in v ? v.generation : 0)),
    ],
  );
  const generation = rows[0]?.generation;
  const inserted = Number(rows[0]?.inserted ?? 0);
  if (!fenced) return { inserted, generation: undefined };
  return {
    inserted,
    generation:
      generation === null || generation === undefined
        ? null
        : Number(generation),
  };
}

/** The generation a queue store should carry, or null before its first rebuild. */
export async function storeGeneration(
  pool: pg.Pool,
  stream: string,
): Promise<number | null> {
  const { rows } = await pool.query<{ generation: string }>(
    'SELECT generation FROM queue_stores WHERE stream = $1',
    [stream],
  );
  return rows[0] ? Number(rows[0].generation) : null;
}

export interface RebuildSteps {
  /** Under the lock, with the generation recorded now: false if another process already rebuilt. */
  needed(current: number | null): Promise<boolean>;
  /** Called once with the new generation before any record is written. */
  begin(generation: number): Promise<void>;
  /** Writes a chunk of voters' first choices into the store. */
  write(records: VoterRecord[]): Promise<void>;
  /** After the commit, still under the lock: writes the store's marker of this generation. */
  complete(generation: number): Promise<void>;
}

const REBUILD_CHUNK = 5_000;

/**
 * Rebuilds a queue store's voters' records from the votes table, as one leader: an advisory
 * lock lets one process rebuild while the others carry on (they get 'busy'). Inside one
 * transaction it bumps the generation FOR UPDATE, which waits for batches being committed and
 * fences off later ones of the old generation, then streams every stored vote through a cursor
 * into the store. The marker is written after the commit (so it never names a generation that
 * rolled back) and before the lock goes (so no second worker starts over meanwhile).
 */
export async function rebuildStore(
  pool: pg.Pool,
  stream: string,
  steps: RebuildSteps,
): Promise<number | 'busy' | 'not-needed'> {
  const client = await pool.connect();
  let locked = false;
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext('queue_store_rebuild'), hashtext($1)) AS locked",
      [stream],
    );
    locked = rows[0]!.locked;
    if (!locked) return 'busy';
    await client.query('BEGIN');
    try {
      await client.query(
        'INSERT INTO queue_stores (stream, generation) VALUES ($1, 0) ON CONFLICT (stream) DO NOTHING',
        [stream],
      );
      const current = await client.query<{ generation: string }>(
        'SELECT generation FROM queue_stores WHERE stream = $1 FOR UPDATE',
        [stream],
      );
      const was = Number(current.rows[0]!.generation);
      if (!(await steps.needed(was === 0 ? null : was))) {
        await client.query('ROLLBACK');
        return 'not-needed';
      }
      const generation = was + 1;
      await client.query(
        'UPDATE queue_stores SET generation = $2 WHERE stream = $1',
        [stream, generation],
      );
      await steps.begin(generation);
      await client.query(
        'DECLARE voters NO SCROLL CURSOR FOR SELECT poll_id, voter_id, option_id FROM votes',
      );
      for (;;) {
        const chunk = await client.query<{
          poll_id: string;
          voter_id: string;
          option_id: OptionId;
        }>(`FETCH ${REBUILD_CHUNK} FROM voters`);
        if (chunk.rows.length === 0) break;
        await steps.write(
          chunk.rows.map(r => ({
            pollId: r.poll_id,
            voterId: r.voter_id,
            option: r.option_id,
          })),
        );
      }
      await client.query('COMMIT');
      await steps.complete(generation);
      return generation;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  } finally {
    if (locked)
      await client
        .query(
          "SELECT pg_advisory_unlock(hashtext('queue_store_rebuild'), hashtext($1))",
          [stream],
        )
        .catch(() => {});
    client.release();
  }
}

/** Current totals of a poll, read from the running totals. */
export async function readTallies(
  db: pg.Pool | pg.Client,
  pollId: string,
): Promise<Partial<Record<OptionId, number>>> {
  const { rows } = await db.query<{ option_id: OptionId; votes: string }>(
    'SELECT option_id, votes FROM vote_tallies WHERE poll_id = $1',
    [pollId],
  );
  return Object.fromEntries(
    rows.map(row => [row.option_id, Number(row.votes)]),
  );
}
