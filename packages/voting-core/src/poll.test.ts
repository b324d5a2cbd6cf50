import assert from 'node:assert/strict';
import { parseVoteRequest } from './poll.js';
import { escapeHtml } from './html.js';
import { isVoterId, newVoterId } from './voter-id.js';
import { decodeVote } from './queue/decode.js';

describe('parseVoteRequest', () => {
  it('accepts exactly the two option ids', () => {
    assert.deepEqual(parseVoteRequest({ option: 'a' }), {
      ok: true,
      option: 'a',
    });
    assert.deepEqual(parseVoteRequest({ option: 'b' }), {
      ok: true,
      option: 'b',
    });
  });

  it('says what is wrong with anything else', () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /must be an object/],
      [null, /must be an object/],
      ['a', /must be an object/],
      [['a'], /must be an object/],
      [{}, /"option" is required/],
      [{ option: 'A' }, /unknown option "A"/],
      [{ option: 'c' }, /unknown option "c"/],
      [{ option: 0 }, /unknown option 0/],
    ];
    for (const [body, message] of cases) {
      const result = parseVoteRequest(body);
      assert.equal(result.ok, false, JSON.stringify(body));
      assert.match((result as { error: string }).error, message);
    }
  });
});

describe('voter ids', () => {
  it('are 128 random bits in hex, never repeated', () => {
    const ids = new Set(Array.from({ length: 1000 }, newVoterId));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.ok(isVoterId(id));
    assert.equal(isVoterId('0'.repeat(31)), false);
    assert.equal(isVoterId('G'.repeat(32)), false);
    assert.equal(isVoterId(42), false);
  });
});

describe('decodeVote', () => {
  const valid = {
    poll: 'default',
    voter: 'a'.repeat(32),
    option: 'b',
    at: '1700000000000',
  };

  it('reads a well-formed queue entry', () => {
    assert.deepEqual(decodeVote(valid), {
      pollId: 'default',
      voterId: 'a'.repeat(32),
      option: 'b',
      castAt: 1_700_000_000_000,
    });
  });

  it('drops malformed entries instead of storing them', () => {
    for (const broken of [
      { ...valid, poll: 'Bad Poll' },
      { ...valid, voter: 'x' },
      { ...valid, option: 'c' },
      { ...valid, at: 'soon' },
      { ...valid, at: '-5' },
      {},
    ]) {
      assert.equal(decodeVote(broken), null, JSON.stringify(broken));
    }
  });
});

describe('escapeHtml', () => {
  it('neutralises markup in labels', () => {
    assert.equal(
      escapeHtml(`<script>alert("x")</script> & 'y'`),
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;',
    );
  });
});
