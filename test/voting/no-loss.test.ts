import assert from 'node:assert/strict';
import { sleep } from '@voting-platform/timing';
import { appProcess, stackEnv, type AppProcess } from '../support/apps.js';
import { queueLag } from '../support/queues.js';
import { waitFor } from '../support/ports.js';
import {
  startBackends,
  storedVotes,
  waitForStoredVotes,
  type Backend,
} from '../support/stack.js';

const VOTERS = 20_000;
const CONCURRENCY = 64;

/**
 * One voter casts one vote, like a browser: without a cookie at first, then, if the vote
 * could not be taken (503), again with the cookie it was given, until the answer is final.
 */
async function castUntilFinal(
  voteUrl: string,
  option: 'a' | 'b',
): Promise<number> {
  let cookie: string | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`${voteUrl}/api/vote`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(cookie ? { cookie } : {}),
        },
        body: JSON.stringify({ option }),
      });
      await response.arrayBuffer();
      const set = response.headers
        .getSetCookie()
        .find(c => c.startsWith('voter='));
      if (set) cookie = set.split(';')[0];
      if (response.status === 202 || response.status === 409)
        return response.status;
      assert.equal(response.status, 503, 'only "unavailable" may be retried');
    } catch (error) {
      if (!cookie) throw error; // a lost first request could not be retried as the same voter
    }
    await sleep(Math.min(50 * 2 ** attempt, 500));
  }
}

for (const backend of ['redis', 'nats'] as const satisfies Backend[]) {
  describe(`no vote lost, none counted twice, on ${backend}`, () => {
    let backends: Awaited<ReturnType<typeof startBackends>>;
    let vote: AppProcess;
    let worker: AppProcess;

    afterAll(async () => {
      await vote?.stop();
      await worker?.stop('SIGKILL');
      await backends?.destroy();
    });

    it(`stores exactly ${VOTERS} votes from ${VOTERS} voters while the worker is SIGKILLed 3 times and ${backend} restarts once`, async () => {
      backends = await startBackends(backend);
      const env = stackEnv({
        ...backends.urls,
        extraEnv: {
          QUEUE_CLAIM_IDLE_MS: '1000',
          WORKER_POLL_MS: '200',
          LOG_LEVEL: 'warn',
        },
      });
      vote = await appProcess('vote', env);
      worker = await appProcess('worker', env);
      await Promise.all([vote.start(), worker.start()]);

      let sent = 0;
      const statuses = { 202: 0, 409: 0 } as Record<number, number>;
      const chaos: string[] = [];
      const disruptions = [
        { at: 0.15, name: 'worker SIGKILL 1', run: () => restartWorker() },
        { at: 0.35, name: 'worker SIGKILL 2', run: () => restartWorker() },
        { at: 0.5, name: `${backend} restart`, run: () => restartQueue() },
        { at: 0.7, name: 'worker SIGKILL 3', run: () => restartWorker() },
      ];
      async function restartWorker() {
        await worker.stop('SIGKILL');
        await sleep(200);
        await worker.start({ waitReady: false });
      }
      async function restartQueue() {
        await backends.queue.stop('SIGTERM');
        await sleep(300);
        await backends.queue.start();
      }

      const pendingChaos: Promise<void>[] = [];
      async function voterLoop() {
        while (sent < VOTERS) {
          const index = sent++;
          const next = disruptions[0];
          if (next && index >= next.at * VOTERS) {
            disruptions.shift();
            chaos.push(next.name);
            pendingChaos.push(next.run());
          }
          const status = await castUntilFinal(
            vote.url,
            index % 3 === 0 ? 'b' : 'a',
          );
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      }
      await Promise.all(Array.from({ length: CONCURRENCY }, voterLoop));
      await Promise.all(pendingChaos);

      assert.deepEqual(chaos, [
        'worker SIGKILL 1',
        'worker SIGKILL 2',
        `${backend} restart`,
        'worker SIGKILL 3',
      ]);
      // A vote taken just before a connection dropped is answered 409 on its retry: either way
      // the voter's one vote is in, and nobody else's.
      assert.equal(statuses[202]! + statuses[409]!, VOTERS);

      const stored = await waitForStoredVotes(
        backends.database.url,
        VOTERS,
        120_000,
      );
      await waitFor(
        'every entry acknowledged',
        async () =>
          (await queueLag(backend, backends.queue.url, env.QUEUE_STREAM!)) ===
          0,
        30_000,
        250,
      );
      await sleep(1_500); // anything still in flight would land now
      assert.deepEqual(await storedVotes(backends.database.url), {
        rows: VOTERS,
        tallied: VOTERS,
      });
      assert.deepEqual(stored, { rows: VOTERS, tallied: VOTERS });
    });
  });
}
