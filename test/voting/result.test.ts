import assert from 'node:assert/strict';
import { sleep } from '@voting-platform/timing';
import pg from 'pg';
import { newVoterId, type Vote } from '@voting-platform/core';
import {
  createPool,
  recordVotes,
  TALLY_CHANNEL,
} from '@voting-platform/core/db';
import { createLogger } from '@voting-platform/core/service';
import { appProcess, stackEnv, type AppProcess } from '../support/apps.js';
import { createDatabase } from '../support/servers.js';
import { ResultsClient } from '../support/socket.js';

const vote = (option: 'a' | 'b'): Vote => ({
  pollId: 'default',
  voterId: newVoterId(),
  option,
  castAt: Date.now(),
});

describe('result app', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let result: AppProcess;
  let pool: pg.Pool;
  const clients: ResultsClient[] = [];
  const connect = () => {
    const client = new ResultsClient(result.url);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    database = await createDatabase();
    result = await appProcess(
      'result',
      stackEnv({
        postgresUrl: database.url,
        extraEnv: { RESULT_PUSH_INTERVAL_MS: '200' },
      }),
    );
    await result.start(); // it runs the migrations itself
    pool = createPool(database.url, createLogger('test', 'silent'));
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await pool?.end();
    await result?.stop();
    await database?.drop();
  });

  it('says "no votes yet" with zero totals, never 50/50, before anyone votes', async () => {
    const body = await (await fetch(`${result.url}/api/results`)).json();
    assert.deepEqual(body, {
      poll: 'default',
      question: 'Cats or dogs?',
      total: 0,
      options: [
        { id: 'a', label: 'Cats', votes: 0, percent: 0 },
        { id: 'b', label: 'Dogs', votes: 0, percent: 0 },
      ],
    });
    const page = await (await fetch(`${result.url}/`)).text();
    assert.match(page, /<p id="total">No votes yet<\/p>/);
    assert.doesNotMatch(page, /50%/);
  });

  it('pushes the current state on connect, then a committed vote', async () => {
    const client = connect();
    const initial = await client.waitFor(() => true);
    assert.equal(initial.total, 0);
    await recordVotes(pool, [vote('a')]);
    const updated = await client.waitFor(r => r.total === 1);
    assert.deepEqual(
      updated.options.map(o => [o.votes, o.percent]),
      [
        [1, 100],
        [0, 0],
      ],
    );
  });

  it('sends nothing when nothing changed', async () => {
    const client = connect();
    await client.waitFor(r => r.total === 1);
    const count = client.received.length;
    // A re-delivered vote is not stored again, and a bare notification changes no count.
    const { rows } = await pool.query(
      'SELECT voter_id, cast_at FROM votes LIMIT 1',
    );
    await recordVotes(pool, [
      {
        pollId: 'default',
        voterId: rows[0].voter_id,
        option: 'b',
        castAt: Date.now(),
      },
    ]);
    await pool.query(`SELECT pg_notify('${TALLY_CHANNEL}', 'default')`);
    await sleep(600);
    assert.equal(client.received.length, count, 'no push without a change');
  });

  it('coalesces a burst of batches into a few pushes and ends on the exact total', async () => {
    const client = connect();
    await client.waitFor(r => r.total === 1);
    const start = client.received.length;
    const started = Date.now();
    for (let i = 0; i < 40; i++)
      await recordVotes(pool, [vote(i % 2 ? 'a' : 'b'), vote('a')]);
    const final = await client.waitFor(r => r.total === 81);
    const elapsed = Date.now() - started;
    const pushes = client.received.length - start;
    // With a 200 ms interval a burst can produce at most one push per interval, plus one.
    assert.ok(
      pushes <= Math.ceil(elapsed / 200) + 1,
      `${pushes} pushes in ${elapsed} ms`,
    );
    assert.ok(pushes < 40, `${pushes} pushes for 40 batches`);
    assert.deepEqual(
      final.options.map(o => o.votes),
      [61, 20],
    );
  });

  it('gives a reconnecting client the current state at once', async () => {
    const watcher = connect();
    const client = connect();
    await client.waitFor(r => r.total === 81);
    client.close();
    await recordVotes(pool, [vote('b')]);
    await watcher.waitFor(r => r.total === 82); // the server has seen the change
    const again = connect();
    const first = await again.waitFor(() => true, 5_000);
    assert.equal(first.total, 82, 'the first push is already up to date');
  });

  it('serves the live page and its script under a strict content security policy', async () => {
    const response = await fetch(`${result.url}/`);
    assert.match(
      response.headers.get('content-security-policy') ?? '',
      /script-src 'self'/,
    );
    const page = await response.text();
    assert.match(
      page,
      /<script src="\/socket.io\/socket.io.min.js"><\/script>/,
    );
    assert.equal(
      (await fetch(`${result.url}/socket.io/socket.io.min.js`)).status,
      200,
    );
    assert.match(
      await (await fetch(`${result.url}/static/result.js`)).text(),
      /socket.on\('results'/,
    );
  });
});
