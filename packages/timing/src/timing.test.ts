import assert from 'node:assert/strict';
import {
  backoffDelay,
  formatDuration,
  ManualClock,
  realClock,
  retry,
  sleep,
  waitUntil,
  WaitTimeoutError,
} from './index';

describe('sleep', () => {
  it('waits about the time asked', async () => {
    const started = Date.now();
    await sleep(30);
    assert.ok(Date.now() - started >= 25);
  });

  it('rejects with the reason when aborted before or during the wait', async () => {
    await assert.rejects(
      sleep(10, AbortSignal.abort(new Error('stopped'))),
      /stopped/,
    );
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('cancelled by the user'));
    await assert.rejects(waiting, /cancelled by the user/);
  });

  it('resolves early on abort when asked to, for loops that check their own stop flag', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(60_000, controller.signal, { onAbort: 'resolve' });
    controller.abort();
    await waiting;
    assert.ok(Date.now() - started < 1_000);
    await sleep(60_000, AbortSignal.abort(), { onAbort: 'resolve' });
  });
});

describe('clocks', () => {
  it('a manual clock moves only when told to, and sleeping on it moves it at once', async () => {
    const clock = new ManualClock(1_000);
    assert.equal(clock.now(), 1_000);
    clock.advance(500);
    await clock.sleep(2_000);
    assert.equal(clock.now(), 3_500);
    assert.deepEqual(clock.sleeps, [2_000]);
    assert.throws(() => clock.advance(-1), RangeError);
    assert.throws(() => clock.set(0), RangeError);
    clock.set(new Date(10_000));
    assert.equal(clock.now(), 10_000);
  });

  it('a manual clock refuses to sleep once the signal is aborted', async () => {
    await assert.rejects(
      new ManualClock().sleep(1, AbortSignal.abort(new Error('gone'))),
      /gone/,
    );
  });

  it('the real clock reads Date.now() and really sleeps', async () => {
    const before = realClock.now();
    await realClock.sleep(20);
    assert.ok(realClock.now() - before >= 15);
  });
});

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, exactly when jitter is off', () => {
    const delays = [0, 1, 2, 3, 10].map(n =>
      backoffDelay(n, { baseMs: 1_000, maxMs: 5_000, jitter: false }),
    );
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 5_000, 5_000]);
    assert.equal(backoffDelay(10_000, { jitter: false }), 5_000);
  });

  it('with jitter stays within the upper half of the exact delay', () => {
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(3);
      assert.ok(d >= 400 && d <= 800, String(d));
    }
  });
});

describe('waitUntil', () => {
  it('checks until a value comes, sleeping the interval in between', async () => {
    const clock = new ManualClock(0);
    let calls = 0;
    const value = await waitUntil(() => (++calls === 3 ? 'ready' : undefined), {
      timeoutMs: 60_000,
      intervalMs: 5_000,
      clock,
      timeoutMessage: () => 'never',
    });
    assert.equal(value, 'ready');
    assert.deepEqual(clock.sleeps, [5_000, 5_000]);
  });

  it('shortens the last sleep to the deadline, checks once more, then times out with the message', async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    const waiting = waitUntil(
      elapsed => {
        seen.push(elapsed);
        return undefined;
      },
      {
        timeoutMs: 12_000,
        intervalMs: 5_000,
        clock,
        timeoutMessage: elapsed => `nothing after ${formatDuration(elapsed)}`,
      },
    );
    await assert.rejects(
      waiting,
      (err: Error) =>
        err instanceof WaitTimeoutError &&
        err.message === 'nothing after 0m12s',
    );
    assert.deepEqual(seen, [0, 5_000, 10_000, 12_000]);
    assert.deepEqual(clock.sleeps, [5_000, 5_000, 2_000]);
  });

  it('ends with the error of a check that throws', async () => {
    await assert.rejects(
      waitUntil(
        () => {
          throw new Error('the cluster is in error');
        },
        { timeoutMs: 1_000, intervalMs: 100, timeoutMessage: () => 'never' },
      ),
      /the cluster is in error/,
    );
  });

  it('with ignoreErrors takes a throwing check as "not yet", and names the last error on time-out', async () => {
    const clock = new ManualClock(0);
    let calls = 0;
    const value = await waitUntil(
      () => {
        if (++calls < 3) throw new Error('connection refused');
        return 'listening';
      },
      {
        timeoutMs: 1_000,
        intervalMs: 100,
        clock,
        ignoreErrors: true,
        timeoutMessage: () => 'never',
      },
    );
    assert.equal(value, 'listening');
    await assert.rejects(
      waitUntil(
        () => {
          throw new Error('connection refused');
        },
        {
          timeoutMs: 300,
          intervalMs: 100,
          clock,
          ignoreErrors: true,
          timeoutMessage: (ms, last) =>
            `not up after ${ms} ms (${String(last)})`,
        },
      ),
      /not up after 300 ms \(Error: connection refused\)/,
    );
  });

  it('is cancelled by its signal, in real time too', async () => {
    const controller = new AbortController();
    const waiting = waitUntil(() => undefined, {
      timeoutMs: 60_000,
      intervalMs: 10_000,
      signal: controller.signal,
      timeoutMessage: () => 'never',
    });
    setImmediate(() => controller.abort(new Error('task cancelled')));
    await assert.rejects(waiting, /task cancelled/);
  });
});

describe('retry', () => {
  it('retries with exponential back-off on the clock and returns the first success', async () => {
    const clock = new ManualClock(0);
    const retried: string[] = [];
    const result = await retry(
      async attempt => {
        if (attempt < 4) throw new Error(`flaky ${attempt}`);
        return 'done';
      },
      {
        clock,
        minDelayMs: 1_000,
        onRetry: r =>
          retried.push(
            `${r.error.message} -> ${r.delayMs} (${r.retriesLeft} left)`,
          ),
      },
    );
    assert.equal(result, 'done');
    assert.deepEqual(clock.sleeps, [1_000, 2_000, 4_000]);
    assert.deepEqual(retried, [
      'flaky 1 -> 1000 (5 left)',
      'flaky 2 -> 2000 (4 left)',
      'flaky 3 -> 4000 (3 left)',
    ]);
  });

  it('waits as long as the server asked instead of the back-off', async () => {
    const clock = new ManualClock(0);
    let calls = 0;
    await retry(
      async () => {
        if (calls++ === 0)
          throw Object.assign(new Error('429'), { waitMs: 9_000 });
      },
      { clock, retryAfterMs: e => (e as Error & { waitMs?: number }).waitMs },
    );
    assert.deepEqual(clock.sleeps, [9_000]);
  });

  it('gives up at once on an error not worth retrying, and after the last retry with its error', async () => {
    const clock = new ManualClock(0);
    let calls = 0;
    await assert.rejects(
      retry(
        async () => {
          calls++;
          throw new Error('401 bad token');
        },
        { clock, shouldRetry: e => !e.message.startsWith('401') },
      ),
      /401 bad token/,
    );
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(
      retry(
        async () => {
          throw new Error(`down ${++calls}`);
        },
        { clock, retries: 2 },
      ),
      /down 3/,
    );
  });

  it('is cancelled by its signal during a back-off', async () => {
    const controller = new AbortController();
    const running = retry(
      async () => {
        throw new Error('unavailable');
      },
      { signal: controller.signal, minDelayMs: 60_000 },
    );
    setImmediate(() => controller.abort(new Error('task cancelled')));
    await assert.rejects(running, /task cancelled/);
  });
});

describe('formatDuration', () => {
  it('writes minutes and seconds', () => {
    assert.deepEqual([0, 999, 45_000, 367_000, 5_405_000].map(formatDuration), [
      '0m00s',
      '0m00s',
      '0m45s',
      '6m07s',
      '90m05s',
    ]);
  });
});
