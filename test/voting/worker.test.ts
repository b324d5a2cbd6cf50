import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { sleep } from '@voting-platform/timing';
import pg from 'pg';
import { createClient } from 'redis';
import { newVoterId, type Vote } from '@voting-platform/core';
import { openProducer, type VoteProducer } from '@voting-platform/core/queue';
import { appProcess, stackEnv, type AppProcess } from '../support/apps.js';
import {
  createDatabase,
  startPostgres,
  startRedis,
} from '../support/servers.js';
import {
  startBackends,
  storedVotes,
  waitForStoredVotes,
  type Backend,
} from '../support/stack.js';

const vote = (option: 'a' | 'b' = 'a'): Vote => ({
  pollId: 'default',
  voterId: newVoterId(),
  option,
  castAt: Date.now(),
});

for (const backend of ['redis', 'nats'] as const satisfies Backend[]) {
  describe(`worker on ${backend}`, () => {
    let backends: Awaited<ReturnType<typeof startBackends>>;
    let producer: VoteProducer;
    let worker: AppProcess;

    beforeAll(async () => {
      backends = await startBackends(backend);
      const env = stackEnv({
        ...backends.urls,
        extraEnv: { QUEUE_CLAIM_IDLE_MS: '1000', WORKER_POLL_MS: '200' },
      });
      producer = await openProducer({
        backend,
        redisUrl: env.REDIS_URL!,
        natsUrl: env.NATS_URL!,
        stream: env.QUEUE_STREAM!,
        claimIdleMs: 1000,
      });
      worker = await appProcess('worker', env);
      await worker.start();
    });

    afterAll(async () => {
      await worker?.stop();
      await producer?.close();
      await backends?.destroy();
    });

    it('moves queued votes into PostgreSQL with running totals that match', async () => {
      const votes = [
        ...Array.from({ length: 30 }, () => vote('a')),
        ...Array.from({ length: 20 }, () => vote('b')),
      ];
      await Promise.all(votes.map(v => producer.submit(v)));
      const stored = await waitForStoredVotes(backends.database.url, 50);
      assert.deepEqual(stored, { rows: 50, tallied: 50 });
      const metrics = await (await fetch(`${worker.url}/metrics`)).text();
      assert.match(
        metrics,
        /^worker_votes_recorded_total\{service="worker"\} 50$/m,
      );
      assert.match(metrics, /^queue_lag\{service="worker"\} 0$/m);
    });

    it('stops on SIGTERM within its timeout and exits 0; a new worker carries on', async () => {
      assert.equal(await worker.stop('SIGTERM'), 0);
      await producer.submit(vote());
      await worker.start();
      await waitForStoredVotes(backends.database.url, 51);
    });

    it('reclaims votes a killed worker took but never acknowledged', async () => {
      // The victim cannot reach the database, so it takes a batch, holds it while retrying,
      // and never acknowledges it; then it is killed outright.
      await worker.stop('SIGTERM');
      const storedBefore = (await storedVotes(backends.database.url)).rows;
      const victim = await appProcess('worker', {
        ...stackEnv({
          ...backends.urls,
          postgresUrl: 'postgres://postgres@127.0.0.1:1/unreachable',
          extraEnv: {
            QUEUE_CLAIM_IDLE_MS: '1000',
            WORKER_POLL_MS: '200',
            MIGRATE_ON_START: 'false',
          },
        }),
      });
      await victim.start({ waitReady: false });
      await Promise.all(
        Array.from({ length: 40 }, () => producer.submit(vote('b'))),
      );
      await sleep(500);
      assert.match(
        victim.output,
        /storing a batch failed; retrying/,
        'the victim took a batch',
      );
      await victim.stop('SIGKILL');

      await worker.start();
      const stored = await waitForStoredVotes(
        backends.database.url,
        storedBefore + 40,
        20_000,
      );
      assert.deepEqual(stored, {
        rows: storedBefore + 40,
        tallied: storedBefore + 40,
      });
    });
  });
}

describe('worker with a malformed queue entry', () => {
  it('drops it, counts it in /metrics, and goes on with valid votes', async () => {
    const database = await createDatabase();
    const redis = await startRedis();
    const worker = await appProcess(
      'worker',
      stackEnv({ postgresUrl: database.url, redisUrl: redis.url }),
    );
    try {
      await worker.start();
      const client = await createClient({ url: redis.url }).connect();
      await client.xAdd('votes:stream', '*', {
        poll: 'default',
        voter: 'not-a-voter',
        option: 'z',
        at: 'x',
      });
      await client.xAdd('votes:stream', '*', {
        poll: 'default',
        voter: newVoterId(),
        option: 'a',
        at: String(Date.now()),
      });
      await waitForStoredVotes(database.url, 1);
      await sleep(200);
      assert.equal(
        await client.xLen('votes:stream'),
        0,
        'both entries were acknowledged and removed',
      );
      client.destroy();
      const metrics = await (await fetch(`${worker.url}/metrics`)).text();
      assert.match(
        metrics,
        /^worker_messages_invalid_total\{service="worker"\} 1$/m,
      );
    } finally {
      await worker.stop();
      await redis.destroy();
      await database.drop();
    }
  });
});

describe('worker across a PostgreSQL restart', () => {
  it('keeps the batch in hand, reconnects with back-off and stores every vote once', async () => {
    const postgres = await startPostgres();
    const redis = await startRedis();
    const producer = await openProducer({
      backend: 'redis',
      redisUrl: redis.url,
      natsUrl: '',
      stream: 'votes',
      claimIdleMs: 1000,
    });
    const worker = await appProcess(
      'worker',
      stackEnv({
        postgresUrl: postgres.url,
        redisUrl: redis.url,
        extraEnv: { WORKER_POLL_MS: '200' },
      }),
    );
    try {
      await worker.start();
      await Promise.all(
        Array.from({ length: 10 }, () => producer.submit(vote())),
      );
      await waitForStoredVotes(postgres.url, 10);

      await postgres.stop();
      await Promise.all(
        Array.from({ length: 25 }, () => producer.submit(vote('b'))),
      );
      await sleep(1_500); // the worker holds a batch and retries meanwhile
      const ready = await fetch(`${worker.url}/readyz`).catch(error => {
        throw new Error(
          `worker unreachable: ${error.message}\n${worker.output}`,
        );
      });
      assert.equal(ready.status, 503, 'not ready while the database is away');
      await postgres.start();

      const stored = await waitForStoredVotes(postgres.url, 35, 30_000);
      assert.deepEqual(stored, { rows: 35, tallied: 35 });
      assert.match(worker.output, /storing a batch failed; retrying/);
    } finally {
      await worker.stop();
      await producer.close();
      await redis.destroy();
      await postgres.destroy();
    }
  });
});

describe('worker migrate command', () => {
  it('creates the schema and exits 0, and does nothing the second time', async () => {
    const database = await createDatabase();
    try {
      for (const expected of [
        /votes|vote_tallies|Migrating/i,
        /No migrations to run/,
      ]) {
        const run = spawnSync(
          process.execPath,
          [
            '--conditions=source',
            '--import',
            'tsx',
            'apps/worker/src/main.ts',
            'migrate',
          ],
          {
            cwd: new URL('../..', import.meta.url),
            env: { ...process.env, POSTGRES_URL: database.url },
            encoding: 'utf8',
          },
        );
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, expected);
      }
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
      );
      await client.end();
      assert.deepEqual(
        rows.map(r => r.tablename),
        ['pgmigrations', 'queue_stores', 'vote_tallies', 'votes'],
      );
    } finally {
      await database.drop();
    }
  });
});

describe('worker configuration', () => {
  it('refuses to start with a bad value and names the variable', async () => {
    const worker = await appProcess('worker', {
      WORKER_BATCH_SIZE: 'lots',
      POSTGRES_URL: 'mysql://nope',
    });
    await assert.rejects(worker.start(), (error: Error) => {
      assert.match(error.message, /exited with 1/);
      assert.match(error.message, /WORKER_BATCH_SIZE: .*\(got "lots"\)/);
      assert.match(
        error.message,
        /POSTGRES_URL: must be a URL starting with postgres:\/\/ or postgresql:\/\//,
      );
      return true;
    });
  });
});
