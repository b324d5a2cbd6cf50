import assert from 'node:assert/strict';
import {
  appProcess,
  appProcesses,
  stackEnv,
  TEST_COOKIE_SECRET,
} from '../support/apps.js';
import { Voter } from '../support/http.js';
import { startBackends } from '../support/stack.js';

const DB_PASSWORD = 'db-password-that-must-not-leak';

describe('secrets stay out of logs and responses', () => {
  it('never shows the database password or the cookie secret, even when things fail', async () => {
    const backends = await startBackends('redis');
    // The local server trusts loopback, so any password connects; it is still a secret to us.
    const postgresUrl = Object.assign(new URL(backends.database.url), {
      password: DB_PASSWORD,
    }).toString();
    const env = stackEnv({
      ...backends.urls,
      postgresUrl,
      extraEnv: { LOG_LEVEL: 'debug' },
    });
    const [worker, result, vote] = await appProcesses(
      ['worker', 'result', 'vote'],
      env,
    );
    const unreachable = await appProcess('worker', {
      ...env,
      POSTGRES_URL: `postgres://app:${DB_PASSWORD}@127.0.0.1:1/votes`,
    });
    const badConfig = await appProcess('vote', {
      ...env,
      VOTE_COOKIE_SECRET: 'too-short-but-still-a-secret',
      PORT: 'x',
    });
    try {
      await worker.start();
      await Promise.all([result.start(), vote.start()]);
      const voter = new Voter(vote.url);
      assert.equal((await voter.vote('a')).status, 202);
      await voter.vote('b');
      await voter.vote('nonsense');
      await backends.queue.stop(); // errors get logged now
      await voter.vote('a');
      await backends.queue.start();

      await assert.rejects(unreachable.start()); // migration fails: connection refused
      await assert.rejects(badConfig.start());

      const responses = await Promise.all(
        [vote, worker, result].flatMap(app =>
          ['/metrics', '/readyz', '/healthz'].map(path =>
            fetch(`${app.url}${path}`).then(r => r.text()),
          ),
        ),
      );
      responses.push(await (await fetch(`${result.url}/api/results`)).text());
      for (const text of [
        ...responses,
        worker.output,
        result.output,
        vote.output,
        unreachable.output,
        badConfig.output,
      ]) {
        assert.doesNotMatch(text, new RegExp(DB_PASSWORD));
        assert.doesNotMatch(text, new RegExp(TEST_COOKIE_SECRET));
        assert.doesNotMatch(text, /too-short-but-still-a-secret/);
      }
      assert.match(
        vote.output,
        /queue unavailable/,
        'the failure was logged (so the scan had something to read)',
      );
      assert.match(badConfig.output, /VOTE_COOKIE_SECRET: .*value hidden/);
      assert.ok(unreachable.output.length > 0);
    } finally {
      await Promise.all([
        vote.stop(),
        result.stop(),
        worker.stop(),
        unreachable.stop(),
        badConfig.stop(),
      ]);
      await backends.destroy();
    }
  });
});
