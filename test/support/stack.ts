import pg from 'pg';
import {
  createDatabase,
  startNats,
  startRedis,
  type TestServer,
} from './servers.js';
import { waitFor } from './ports.js';

export type Backend = 'redis' | 'nats';

/** A fresh database and a throw-away queue server of the chosen kind. */
export async function startBackends(backend: Backend) {
  const database = await createDatabase();
  const queue: TestServer =
    backend === 'redis' ? await startRedis() : await startNats();
  return {
    database,
    queue,
    urls: {
      postgresUrl: database.url,
      [backend === 'redis' ? 'redisUrl' : 'natsUrl']: queue.url,
      backend,
    },
    async destroy() {
      await queue.destroy();
      await database.drop();
    },
  };
}

/** Reads stored votes straight from PostgreSQL: rows, and the running totals beside them. */
export async function storedVotes(
  postgresUrl: string,
  pollId = 'default',
): Promise<{ rows: number; tallied: number }> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const rows = await client
      .query('SELECT count(*)::int AS n FROM votes WHERE poll_id = $1', [
        pollId,
      ])
      .catch(() => ({ rows: [{ n: 0 }] }));
    const tallied = await client
      .query(
        'SELECT coalesce(sum(votes), 0)::int AS n FROM vote_tallies WHERE poll_id = $1',
        [pollId],
      )
      .catch(() => ({ rows: [{ n: 0 }] }));
    return { rows: rows.rows[0].n, tallied: tallied.rows[0].n };
  } finally {
    await client.end();
  }
}

export function waitForStoredVotes(
  postgresUrl: string,
  expected: number,
  timeoutMs = 30_000,
) {
  return waitFor(
    `${expected} stored votes`,
    async () => {
      const stored = await storedVotes(postgresUrl);
      return stored.rows >= expected ? stored : undefined;
    },
    timeoutMs,
    200,
  );
}
