import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ConfigError, parseEnv, pollEnv, pollFromEnv, port, queueEnv, redactUrl } from './config.js';

const schema = z.object({ PORT: port(8080), ...pollEnv, ...queueEnv });

describe('parseEnv', () => {
  it('applies defaults when nothing is set', () => {
    const env = parseEnv(schema, {});
    assert.equal(env.PORT, 8080);
    assert.equal(env.QUEUE_BACKEND, 'redis');
    assert.deepEqual(pollFromEnv(env).options.map(o => o.label), ['Cats', 'Dogs']);
  });

  it('stops with one line per bad variable, naming it and its value', () => {
    assert.throws(
      () => parseEnv(schema, { PORT: 'eighty', QUEUE_BACKEND: 'kafka', REDIS_URL: 'http://x', POLL_ID: 'Has Spaces' }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^ {2}PORT: .*\(got "eighty"\)$/m);
        assert.match(error.message, /^ {2}QUEUE_BACKEND: .*\(got "kafka"\)$/m);
        assert.match(error.message, /^ {2}REDIS_URL: must be a URL starting with redis:\/\/ or rediss:\/\/ .*$/m);
        assert.match(error.message, /^ {2}POLL_ID: must be lowercase letters/m);
        return true;
      },
    );
  });

  it('refuses two options with the same label', () => {
    assert.throws(() => pollFromEnv(parseEnv(schema, { OPTION_A: 'Tea', OPTION_B: 'Tea' })), /OPTION_B: must differ from OPTION_A/);
  });
});

describe('redactUrl', () => {
  it('hides the password of a connection URL', () => {
    assert.equal(redactUrl('postgres://app:s3cret@db:5432/votes'), 'postgres://app:***@db:5432/votes');
    assert.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
  });
});
