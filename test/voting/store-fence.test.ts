import assert from 'node:assert/strict';
import pg from 'pg';
import { newVoterId } from '@voting-platform/core';
import {
  createPool,
  migrate,
  rebuildStore,
  recordVotes,
  storeGeneration,
} from '@voting-platform/core/db';
import type { QueuedVote, VoterRecord } from '@voting-platform/core/queue';
import { createLogger } from '@voting-platform/core/service';
import { createDatabase } from '../support/servers.js';
import { sleep } from '@voting-platform/timing';

const STREAM = 'votes';
const vote = (generation: number, option: 'a' | 'b' = 'a'): QueuedVote => ({
  pollId: 'default',
  voterId: newVoterId(),
  option,
  castAt: Date.now(),
  generation,
});

/** A rebuild that records what it would write into the store. */
function recordingRebuild(
  pool: pg.Pool,
  written: VoterRecord[],
  onBegin: () => void = () => {},
) {
  return rebuildStore(pool, STREAM, {
    needed: async () => true,
    begin: async () => onBegin(),
    write: async records => void written.push(...records),
    complete: async () => {},
  });
}

describe('the generation fence between batches and a rebuild (PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createDatabase();
    const logger = createLogger('test', 'silent');
    await migrate(database.url, logger);
    pool = createPool(database.url, logger);
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('inserts nothing before the first build, then only votes of the current generation', async () => {
    const early = await recordVotes(pool, [vote(0)], { stream: STREAM });
    assert.deepEqual(early, { inserted: 0, generation: null });

    assert.equal(await recordingRebuild(pool, []), 1);
    assert.equal(await storeGeneration(pool, STREAM), 1);
    const mixed = await recordVotes(pool, [vote(1), vote(1, 'b'), vote(0)], {
      stream: STREAM,
    });
    assert.deepEqual(
      mixed,
      { inserted: 2, generation: 1 },
      'the vote of generation 0 is left to the caller',
    );
  });

  it('makes a rebuild wait for a batch being committed, and read it', async () => {
    const generation = (await storeGeneration(pool, STREAM))!;
    const inFlight = vote(generation, 'b');
    // A batch statement in progress holds the generation row FOR SHARE until it commits.
    const batch = new pg.Client({ connectionString: database.url });
    await batch.connect();
    await batch.query('BEGIN');
    await batch.query(
      'SELECT generation FROM queue_stores WHERE stream = $1 FOR SHARE',
      [STREAM],
    );
    await batch.query(
      "INSERT INTO votes (poll_id, voter_id, option_id, cast_at) VALUES ('default', $1, 'b', now())",
      [inFlight.voterId],
    );

    let begun = false;
    const written: VoterRecord[] = [];
    const rebuilt = recordingRebuild(pool, written, () => (begun = true));
    await sleep(300);
    assert.equal(begun, false, 'the rebuild waits for the batch');
    await batch.query('COMMIT');
    await batch.end();
    assert.equal(await rebuilt, generation + 1);
    assert.ok(
      written.some(r => r.voterId === inFlight.voterId && r.option === 'b'),
      'the rebuild wrote the voter of the batch that committed while it waited',
    );
  });

  it('refuses a batch of the old generation that comes after a rebuild, and says which generation is current', async () => {
    const old = (await storeGeneration(pool, STREAM))!;
    assert.equal(await recordingRebuild(pool, []), old + 1);
    const late = await recordVotes(pool, [vote(old), vote(old)], {
      stream: STREAM,
    });
    assert.deepEqual(late, { inserted: 0, generation: old + 1 });
  });

  it('lets one rebuild run at a time: a second one finds the lock taken', async () => {
    let release!: () => void;
    const held = new Promise<void>(resolve => (release = resolve));
    const first = rebuildStore(pool, STREAM, {
      needed: async () => true,
      begin: () => held,
      write: async () => {},
      complete: async () => {},
    });
    await sleep(200);
    assert.equal(await recordingRebuild(pool, []), 'busy');
    release();
    assert.equal(typeof (await first), 'number');
  });
});
