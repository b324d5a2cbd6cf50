import assert from 'node:assert/strict';
import { sleep } from '@voting-platform/timing';
import { Coalescer } from './coalescer.js';

describe('Coalescer', () => {
  it('runs the first request at once and folds a burst into one trailing run', async () => {
    const runs: number[] = [];
    const started = Date.now();
    const coalescer = new Coalescer(100, async () => {
      runs.push(Date.now() - started);
    });
    for (let i = 0; i < 50; i++) coalescer.request();
    await sleep(10);
    assert.equal(runs.length, 1, 'the first request runs immediately');
    for (let i = 0; i < 50; i++) coalescer.request();
    await sleep(150);
    assert.equal(runs.length, 2, '100 requests cost two runs');
    assert.ok(
      runs[1]! >= 95,
      `the trailing run waits for the interval (ran at ${runs[1]} ms)`,
    );
    await sleep(150);
    assert.equal(runs.length, 2, 'nothing runs without a request');
  });

  it('never runs twice at once, and a request during a run is not lost', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const coalescer = new Coalescer(0, async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(30);
      runs++;
      active--;
    });
    coalescer.request();
    await sleep(5);
    coalescer.request();
    coalescer.request();
    await sleep(100);
    assert.equal(maxActive, 1);
    assert.equal(runs, 2);
  });

  it('stops pending runs', async () => {
    let runs = 0;
    const coalescer = new Coalescer(50, async () => {
      runs++;
    });
    coalescer.request();
    coalescer.request();
    coalescer.stop();
    await sleep(100);
    assert.equal(runs, 1);
  });
});
