import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  ConfigError,
  parseEnv,
  pollEnv,
  pollFromEnv,
  port,
  postgresEnv,
  postgresSettings,
  queueEnv,
  redactUrl,
} from './config.js';

const schema = z.object({ PORT: port(8080), ...pollEnv, ...queueEnv });

describe('parseEnv', () => {
  it('applies defaults when nothing is set', () => {
    const env = parseEnv(schema, {});
    assert.equal(env.PORT, 8080);
    assert.equal(env.QUEUE_BACKEND, 'redis');
    assert.deepEqual(
      pollFromEnv(env).options.map(o => o.label),
      ['Cats', 'Dogs'],
    );
  });

  it('stops with one line per bad variable, naming it and its value', () => {
    assert.throws(
      () =>
        parseEnv(schema, {
          PORT: 'eighty',
          QUEUE_BACKEND: 'kafka',
          REDIS_URL: 'http://x',
          POLL_ID: 'Has Spaces',
        }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^ {2}PORT: .*\(got "eighty"\)$/m);
        assert.match(error.message, /^ {2}QUEUE_BACKEND: .*\(got "kafka"\)$/m);
        assert.match(
          error.message,
          /^ {2}REDIS_URL: must be a URL starting with redis:\/\/ or rediss:\/\/ .*$/m,
        );
        assert.match(error.message, /^ {2}POLL_ID: must be lowercase letters/m);
        return true;
      },
    );
  });

  it('refuses two options with the same label', () => {
    assert.throws(
      () => pollFromEnv(parseEnv(schema, { OPTION_A: 'Tea', OPTION_B: 'Tea' })),
      /OPTION_B: must differ from OPTION_A/,
    );
  });
});

describe('parseEnv and secrets', () => {
  it('never prints a secret or a password in its error', () => {
    const withSecret = z.object({
      VOTE_COOKIE_SECRET: z.string().min(32),
      POSTGRES_URL: z
        .string()
        .refine(v => v.startsWith('postgres://'), 'must be a postgres:// URL'),
    });
    assert.throws(
      () =>
        parseEnv(withSecret, {
          VOTE_COOKIE_SECRET: 'short-but-secret',
          POSTGRES_URL: 'mysql://app:hunter2@db/votes',
        }),
      (error: Error) => {
        assert.doesNotMatch(error.message, /short-but-secret|hunter2/);
        assert.match(error.message, /VOTE_COOKIE_SECRET: .*\(value hidden\)/);
        assert.match(
          error.message,
          /POSTGRES_URL: .*\(got "mysql:\/\/app:\*\*\*@db\/votes"\)/,
        );
        return true;
      },
    );
  });
});

describe('postgresSettings', () => {
  const postgres = z.object(postgresEnv);
  it('takes the session URL apart from the pooled one, and POSTGRES_URL for both without it', () => {
    assert.deepEqual(
      postgresSettings(
        parseEnv(postgres, {
          POSTGRES_URL: 'postgresql://voting:p@db:25061/votes',
          POSTGRES_SESSION_URL: 'postgresql://voting:p@db:25060/votes',
        }),
      ),
      {
        postgresUrl: 'postgresql://voting:p@db:25061/votes',
        postgresSessionUrl: 'postgresql://voting:p@db:25060/votes',
      },
    );
    assert.deepEqual(
      postgresSettings(
        parseEnv(postgres, {
          POSTGRES_URL: 'postgresql://voting:p@db:25061/votes',
          POSTGRES_SESSION_URL: '',
        }),
      ),
      {
        postgresUrl: 'postgresql://voting:p@db:25061/votes',
        postgresSessionUrl: 'postgresql://voting:p@db:25061/votes',
      },
    );
    assert.throws(
      () => parseEnv(postgres, { POSTGRES_SESSION_URL: 'mysql://x:y@db/v' }),
      /POSTGRES_SESSION_URL: must be a URL starting with postgres:\/\//,
    );
  });
});

describe('redactUrl', () => {
  it('hides the password of a connection URL', () => {
    assert.equal(
      redactUrl('postgres://app:s3cret@db:5432/votes'),
      'postgres://app:***@db:5432/votes',
    );
    assert.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
  });
});
