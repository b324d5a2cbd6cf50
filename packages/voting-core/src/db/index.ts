import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import type { OptionId, Vote } from '../poll.js';
import type { Logger } from '../service/logger.js';

/** The channel the worker notifies after each committed batch; the payload is the poll id. */
export const TALLY_CHANNEL = 'vote_tallies';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/** Brings the schema up to date. Safe to run from several processes at once (advisory lock). */
export async function migrate(databaseUrl: string, logger: Logger): Promise<void> {
  await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    singleTransaction: true,
    log: message => logger.info({ migration: message }, 'migration'),
  });
}

export function createPool(databaseUrl: string, logger: Logger, max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 2_000 });
  // An idle client whose server went away reports here; the pool drops it and connects anew.
  pool.on('error', error => logger.warn({ err: error }, 'postgres connection lost'));
  return pool;
}

export interface RecordResult {
  /** Votes that were new; the rest had been recorded before (a re-delivery). */
  inserted: number;
}

/**
 * Stores a batch with one statement, so in one transaction: a multi-row insert that skips
 * voters already recorded, the running totals bumped by what was really inserted, and one
 * notification per poll that changed, which PostgreSQL delivers only when the statement commits.
 * (One statement through the pool also means no checked-out client can die unobserved.)
 */
export async function recordVotes(pool: pg.Pool, votes: Vote[]): Promise<RecordResult> {
  if (votes.length === 0) return { inserted: 0 };
  const { rows } = await pool.query<{ inserted: string }>(
    `WITH inserted AS (
       INSERT INTO votes (poll_id, voter_id, option_id, cast_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
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
     SELECT (SELECT count(*) FROM inserted) AS inserted, (SELECT count(*) FROM notified) AS notified`,
    [
      votes.map(v => v.pollId),
      votes.map(v => v.voterId),
      votes.map(v => v.option),
      votes.map(v => new Date(v.castAt).toISOString()),
    ],
  );
  return { inserted: Number(rows[0]?.inserted ?? 0) };
}

/** Current totals of a poll, read from the running totals. */
export async function readTallies(db: pg.Pool | pg.Client, pollId: string): Promise<Partial<Record<OptionId, number>>> {
  const { rows } = await db.query<{ option_id: OptionId; votes: string }>(
    'SELECT option_id, votes FROM vote_tallies WHERE poll_id = $1',
    [pollId],
  );
  return Object.fromEntries(rows.map(row => [row.option_id, Number(row.votes)]));
}
