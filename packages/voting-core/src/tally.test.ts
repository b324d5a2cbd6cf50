import assert from 'node:assert/strict';
import { buildResults, sameResults } from './tally.js';
import type { Poll } from './poll.js';

const poll: Poll = {
  id: 'p',
  question: 'Cats or dogs?',
  options: [
    { id: 'a', label: 'Cats' },
    { id: 'b', label: 'Dogs' },
  ],
};

describe('buildResults', () => {
  it('shows zero, never 50/50, when nobody has voted', () => {
    const results = buildResults(poll, {});
    assert.equal(results.total, 0);
    assert.deepEqual(
      results.options.map(o => [o.votes, o.percent]),
      [
        [0, 0],
        [0, 0],
      ],
    );
  });

  it('gives shares with one decimal that add up to exactly 100', () => {
    for (const [a, b] of [
      [1, 2],
      [2, 1],
      [1, 6],
      [333, 667],
      [1, 999_999],
      [7, 0],
    ] as const) {
      const results = buildResults(poll, { a, b });
      const [pa, pb] = results.options.map(o => o.percent);
      assert.equal(results.total, a + b);
      assert.equal(
        Math.round((pa! + pb!) * 10),
        1000,
        `${a}/${b} gives ${pa} + ${pb}`,
      );
      assert.ok(
        Math.abs(pa! - (100 * a) / (a + b)) <= 0.1,
        `${a}/${b}: ${pa} is within a tenth`,
      );
    }
    assert.deepEqual(
      buildResults(poll, { a: 1, b: 2 }).options.map(o => o.percent),
      [33.3, 66.7],
    );
  });

  it('labels options from the poll and keeps their order', () => {
    const results = buildResults(poll, { b: 3 });
    assert.deepEqual(
      results.options.map(o => [o.id, o.label, o.votes]),
      [
        ['a', 'Cats', 0],
        ['b', 'Dogs', 3],
      ],
    );
    assert.equal(results.poll, 'p');
  });
});

describe('sameResults', () => {
  it('tells a change in any count apart from no change', () => {
    const before = buildResults(poll, { a: 1, b: 1 });
    assert.equal(sameResults(before, buildResults(poll, { a: 1, b: 1 })), true);
    assert.equal(
      sameResults(before, buildResults(poll, { a: 2, b: 1 })),
      false,
    );
    assert.equal(sameResults(undefined, before), false);
  });
});
