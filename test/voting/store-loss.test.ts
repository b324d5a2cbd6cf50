import assert from 'node:assert/strict';
import { sleep } from '@voting-platform/timing';
import pg from 'pg';
import { createClient } from 'redis';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { appProcess, stackEnv, type AppProcess } from '../support/apps.js';
import { Voter } from '../support/http.js';
import { waitFor } from '../support/ports.js';
import {
  createDatabase,
  startRedis,
  type TestServer,
} from '../support/servers.js';
import { startBackends, type Backend } from '../support/stack.js';

const STREAM = 'votes';
const WORKER_ENV = {
  QUEUE_CLAIM_IDLE_MS: '1000',
  WORKER_POLL_MS: '200',
  LOG_LEVEL: 'warn',
};

/**
 * Wipes the queue store's data as a lost volume would: Redis FLUSHALL, or the JetStream
 * stream deleted. Returns how many votes were accepted but not yet consumed at that moment
 * (Redis: exact, read in the same transaction; NATS: read just before): those are the loss
 * the README documents.
 */
async function wipe(backend: Backend, url: string): Promise<number> {
  if (backend === 'redis') {
    const redis = await createClient({ url }).connect();
    try {
      const replies = await redis
        .multi()
        .xLen(`${STREAM}:stream`)
        .flushAll()
        .exec();
      return Number(replies[0]);
    } finally {
      redis.destroy();
    }
  }
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const name = await jsm.streams.find(`${STREAM}.x.y`);
    const pending = await jsm.consumers.info(name, 'workers').then(
      info => info.num_pending + info.num_ack_pending,
      () => 0,
    );
    await jsm.streams.delete(name);
    return pending;
  } finally {
    await nc.close();
  }
}

async function storedChoices(
  postgresUrl: string,
): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{
      voter_id: string;
      option_id: string;
    }>("SELECT voter_id, option_id FROM votes WHERE poll_id = 'default'");
    return new Map(rows.map(r => [r.voter_id, r.option_id]));
  } finally {
    await client.end();
  }
}

const voterIdOf = (voter: Voter) =>
  decodeURIComponent(voter.cookies.get('voter')!).split('.')[0]!;

/** A stack on throw-away queue server and a fresh database; the worker builds the store first. */
function stackOn(backend: Backend) {
  const stack: {
    backends?: Awaited<ReturnType<typeof startBackends>>;
    vote?: AppProcess;
    worker?: AppProcess;
    env?: Record<string, string>;
  } = {};
  return Object.assign(stack, {
    async start() {
      stack.backends = await startBackends(backend);
      stack.env = stackEnv({
        ...stack.backends.urls,
        stream: STREAM,
        extraEnv: WORKER_ENV,
      });
      stack.vote = await appProcess('vote', stack.env);
      stack.worker = await appProcess('worker', stack.env);
      await stack.worker.start();
      await stack.vote.start();
      return {
        backends: stack.backends,
        vote: stack.vote,
        worker: stack.worker,
        env: stack.env,
      };
    },
    async stop() {
      await stack.vote?.stop();
      await stack.worker?.stop('SIGKILL');
      await stack.backends?.destroy();
    },
  });
}

for (const backend of ['redis', 'nats'] as const satisfies Backend[]) {
  describe(`a queue store that loses its data, on ${backend}`, () => {
    const stack = stackOn(backend);
    afterAll(() => stack.stop());

    it("keeps a counted voter's first choice: 503 while the store is rebuilt, then 409 with it; never 202", async () => {
      const { backends, vote, worker } = await stack.start();

      const voter = new Voter(vote.url);
      assert.equal((await voter.vote('a')).status, 202);
      await waitFor(
        'the vote counted',
        async () =>
          (await storedChoices(backends.database.url)).get(voterIdOf(voter)) ===
          'a',
        15_000,
      );

      // With no worker to rebuild it, the wiped store stays incomplete: refused, visibly.
      await worker.stop();
      await wipe(backend, backends.queue.url);
      const refused = await voter.vote('b');
      assert.equal(refused.status, 503);
      assert.ok(refused.headers.get('retry-after'));
      assert.deepEqual(await refused.json(), {
        status: 'unavailable',
        error: 'votes are being restored; try again shortly',
      });
      assert.equal(
        (await voter.request('/api/vote')).status,
        503,
        'no "not voted yet" from a store that cannot know',
      );
      const ready = await fetch(`${vote.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(
        ((await ready.json()) as { checks: { store: string } }).checks.store,
        /rebuilding them from PostgreSQL/,
      );
      const metrics = await (await fetch(`${vote.url}/metrics`)).text();
      assert.match(metrics, /^queue_store_complete\{service="vote"\} 0$/m);
      assert.match(metrics, /^queue_store_up\{service="vote"\} 1$/m);
      assert.match(
        metrics,
        /^votes_rejected_total\{reason="store-incomplete",service="vote"\} 1$/m,
      );
      assert.match(
        await (await voter.request('/')).text(),
        /Voting is unavailable right now/,
      );

      // The worker rebuilds the voters' records from PostgreSQL.
      await worker.start();
      let answer: Response | undefined;
      const seen: number[] = [];
      for (let i = 0; i < 200 && answer?.status !== 409; i++) {
        answer = await voter.vote('b');
        seen.push(answer.status);
        assert.ok(
          answer.status === 409 || answer.status === 503,
          `unexpected ${answer.status} (seen ${seen.join(',')})`,
        );
        if (answer.status === 503) await sleep(50);
      }
      assert.equal(answer?.status, 409);
      assert.deepEqual(await answer!.json(), {
        status: 'already-voted',
        option: 'a',
      });
      assert.deepEqual(await (await voter.request('/api/vote')).json(), {
        poll: 'default',
        voted: true,
        option: 'a',
      });
      assert.match(
        await (await fetch(`${vote.url}/metrics`)).text(),
        /^queue_store_complete\{service="vote"\} 1$/m,
      );
      assert.match(
        await (await fetch(`${worker.url}/metrics`)).text(),
        /^queue_store_rebuilds_total\{reason="lost",service="worker"\} 1$/m,
      );

      // A new voter votes as before, and is counted.
      const newcomer = new Voter(vote.url);
      assert.equal((await newcomer.vote('b')).status, 202);
      await waitFor(
        'the new vote counted',
        async () =>
          (
            await storedChoices(backends.database.url)
          ).get(voterIdOf(newcomer)) === 'b',
        15_000,
      );
      assert.equal(
        (await storedChoices(backends.database.url)).get(voterIdOf(voter)),
        'a',
      );
    });
  });
}

for (const backend of ['redis', 'nats'] as const satisfies Backend[]) {
  describe(`a batch in a worker's hands when the ${backend} store loses its data`, () => {
    const stack = stackOn(backend);
    afterAll(() => stack.stop());

    it('is not inserted behind the rebuild but put back into the rebuilt store, and counted', async () => {
      const { backends, vote, worker } = await stack.start();
      // The test holds the generation row, as a rebuild does: the worker's batch statement
      // (which takes it FOR SHARE) waits with the vote in hand.
      const rebuild = new pg.Client({
        connectionString: backends.database.url,
      });
      await rebuild.connect();
      try {
        await rebuild.query('BEGIN');
        await rebuild.query(
          'SELECT generation FROM queue_stores WHERE stream = $1 FOR UPDATE',
          [STREAM],
        );
        const voter = new Voter(vote.url);
        assert.equal((await voter.vote('a')).status, 202);
        // (pg_stat_activity's query text can lag behind an extended-protocol statement: ask
        // PostgreSQL who waits for this transaction instead.)
        await waitFor('the worker waiting on the generation row', async () => {
          const { rows } = await rebuild.query(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))',
          );
          return rows[0].n === 1;
        });
        // The store loses its data; the "rebuild" moves the generation on without this voter.
        await wipe(backend, backends.queue.url);
        await rebuild.query(
          'UPDATE queue_stores SET generation = generation + 1 WHERE stream = $1',
          [STREAM],
        );
        await rebuild.query('COMMIT');

        await waitFor(
          'the vote counted',
          async () =>
            (
              await storedChoices(backends.database.url)
            ).get(voterIdOf(voter)) === 'a',
          20_000,
        );
        const metrics = await (await fetch(`${worker.url}/metrics`)).text();
        assert.match(
          metrics,
          /^worker_votes_requeued_total\{service="worker"\} 1$/m,
        );
        assert.match(
          metrics,
          /^worker_votes_superseded_total\{service="worker"\} 0$/m,
        );
        const again = await voter.vote('b');
        assert.equal(again.status, 409);
        assert.deepEqual(await again.json(), {
          status: 'already-voted',
          option: 'a',
        });
      } finally {
        await rebuild.end();
      }
    });
  });
}

const VOTERS = 10_000;
const CONCURRENCY = 64;

interface Answer {
  voterId: string;
  option: 'a' | 'b';
  status: number;
  /** Answered before the wipe had finished. */
  beforeWipe: boolean;
}

/** One voter votes once, like a browser: a 503 is retried with the cookie it was given. */
async function castUntilFinal(
  voteUrl: string,
  option: 'a' | 'b',
  wiped: () => boolean,
): Promise<Answer> {
  const voter = new Voter(voteUrl);
  for (let attempt = 0; ; attempt++) {
    const wipedBefore = wiped();
    try {
      const response = await voter.vote(option);
      const body = (await response.json()) as { option?: string };
      if (response.status === 202 || response.status === 409) {
        assert.equal(
          body.option,
          option,
          'each voter votes once, so any answer names its own choice',
        );
        return {
          voterId: voterIdOf(voter),
          option,
          status: response.status,
          beforeWipe: !wipedBefore,
        };
      }
      assert.equal(response.status, 503, 'only "unavailable" may be retried');
    } catch (error) {
      if (!voter.cookies.has('voter')) throw error;
    }
    await sleep(Math.min(50 * 2 ** attempt, 500));
  }
}

/**
 * Many voters while the store's data goes, and the checks every such run must pass: no voter
 * is counted with another choice than the one it was told; every 202 is counted, except votes
 * accepted and answered before the wipe that were still queued when it came (the documented
 * loss, at most what the queue held).
 */
async function votersThrough(
  voteUrl: string,
  postgresUrl: string,
  disrupt: () => Promise<number>,
  { at = 0.4 } = {},
): Promise<{ answers: Answer[]; lostAtMost: number; uncounted: Answer[] }> {
  let sent = 0;
  let wiped = false;
  let disruption: Promise<number> | undefined;
  const answers: Answer[] = [];
  const isWiped = () => wiped;
  const markWiped = () => {
    wiped = true;
  };
  async function loop() {
    while (sent < VOTERS) {
      const index = sent++;
      if (!disruption && index >= at * VOTERS)
        disruption = disrupt().finally(markWiped);
      answers.push(
        await castUntilFinal(voteUrl, index % 3 === 0 ? 'b' : 'a', isWiped),
      );
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const lostAtMost = await disruption!;
  const stored = await waitFor(
    'the queue drained into PostgreSQL',
    async () => {
      const before = await storedChoices(postgresUrl);
      await sleep(1_500);
      const now = await storedChoices(postgresUrl);
      return now.size === before.size ? now : undefined;
    },
    120_000,
    0,
  );
  for (const answer of answers) {
    const counted = stored.get(answer.voterId);
    if (counted !== undefined)
      assert.equal(
        counted,
        answer.option,
        `voter ${answer.voterId} was told ${answer.option}`,
      );
  }
  const uncounted = answers.filter(a => !stored.has(a.voterId));
  assert.equal(answers.length, VOTERS);
  return { answers, lostAtMost, uncounted };
}

for (const backend of ['redis', 'nats'] as const satisfies Backend[]) {
  describe(`${VOTERS} voters while the ${backend} store is wiped`, () => {
    const stack = stackOn(backend);
    afterAll(() => stack.stop());

    it('counts every vote it accepted after the wipe, refuses none silently, and loses only what was queued', async () => {
      const { backends, vote, worker } = await stack.start();
      const { answers, lostAtMost, uncounted } = await votersThrough(
        vote.url,
        backends.database.url,
        () => wipe(backend, backends.queue.url),
      );
      console.log(
        `${backend}: ${
          answers.filter(a => a.status === 202).length
        } accepted, ${
          uncounted.length
        } lost in the wipe (the queue held ${lostAtMost})`,
      );
      for (const answer of uncounted) {
        assert.ok(
          answer.beforeWipe,
          `voter ${answer.voterId} was accepted after the wipe and never counted`,
        );
        assert.equal(answer.status, 202);
      }
      assert.ok(
        uncounted.length <= lostAtMost || backend === 'nats',
        `${uncounted.length} uncounted, more than the ${lostAtMost} queued`,
      );
      // The first start built the store; the wipe made the worker build it again, once.
      const metrics = await (await fetch(`${worker.url}/metrics`)).text();
      assert.match(
        metrics,
        /^queue_store_rebuilds_total\{reason="first-build",service="worker"\} 1$/m,
      );
      assert.match(
        metrics,
        /^queue_store_rebuilds_total\{reason="lost",service="worker"\} 1$/m,
      );
    });
  });
}

for (const fsync of ['always', 'everysec'] as const) {
  describe(`Redis killed with SIGKILL under load (appendfsync ${fsync})`, () => {
    let redis: TestServer | undefined;
    let database: Awaited<ReturnType<typeof createDatabase>> | undefined;
    let vote: AppProcess | undefined;
    let worker: AppProcess | undefined;

    afterAll(async () => {
      await vote?.stop();
      await worker?.stop('SIGKILL');
      await redis?.destroy();
      await database?.drop();
    });

    it('loses no accepted vote when it restarts from its data directory', async () => {
      database = await createDatabase();
      redis = await startRedis({ fsync });
      const env = stackEnv({
        postgresUrl: database.url,
        redisUrl: redis.url,
        stream: STREAM,
        extraEnv: WORKER_ENV,
      });
      vote = await appProcess('vote', env);
      worker = await appProcess('worker', env);
      await worker.start();
      await vote.start();
      const server = redis;
      const { uncounted } = await votersThrough(
        vote.url,
        database.url,
        async () => {
          await server.stop('SIGKILL');
          await sleep(300);
          await server.start();
          return 0;
        },
      );
      assert.deepEqual(uncounted, [], 'every accepted vote is counted');
      const metrics = await (await fetch(`${worker.url}/metrics`)).text();
      assert.match(
        metrics,
        /^queue_store_rebuilds_total\{reason="first-build",service="worker"\} 1$/m,
      );
      assert.doesNotMatch(
        metrics,
        /^queue_store_rebuilds_total\{reason="lost"/m,
        'the marker survived the crash: no rebuild',
      );
    });
  });
}
