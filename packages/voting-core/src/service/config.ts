import { z } from 'zod';
import { POLL_ID_PATTERN, type Poll } from '../poll.js';
import type { QueueSettings } from '../queue/types.js';

/** A configuration value was missing or wrong; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses environment variables once at start-up. Every problem is reported at once, each
 * line naming its variable, so a misconfigured service stops with a message a person can act on.
 */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map(issue => {
    const variable = issue.path.join('.');
    const shown = describeValue(variable, env[variable]);
    return `  ${variable}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

const SECRET_NAME = /SECRET|PASSWORD|TOKEN|KEY/;

/** How a bad value is shown in the error: never a secret, never a password inside a URL. */
function describeValue(variable: string, value: string | undefined): string {
  if (value === undefined) return 'not set';
  if (SECRET_NAME.test(variable)) return 'value hidden';
  const shown = URL.canParse(value) ? redactUrl(value) : value;
  return `got ${JSON.stringify(
    shown.length > 40 ? `${shown.slice(0, 40)}…` : shown,
  )}`;
}

const blankAsUndefined = (value: unknown) => (value === '' ? undefined : value);

export const port = (fallback: number) =>
  z.preprocess(
    blankAsUndefined,
    z.coerce.number().int().min(0).max(65535).default(fallback),
  );

export const positiveInt = (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    blankAsUndefined,
    z.coerce.number().int().min(1).max(max).default(fallback),
  );

const urlOf = (protocols: string[]) =>
  z
    .string()
    .refine(
      value =>
        URL.canParse(value) && protocols.includes(new URL(value).protocol),
      {
        message: `must be a URL starting with ${protocols
          .map(p => `${p}//`)
          .join(' or ')}`,
      },
    );

export const url = (protocols: string[], fallback: string) =>
  z.preprocess(blankAsUndefined, urlOf(protocols).default(fallback));

export const optionalUrl = (protocols: string[]) =>
  z.preprocess(blankAsUndefined, urlOf(protocols).optional());

export const booleanFlag = (fallback: boolean) =>
  z.preprocess(
    blankAsUndefined,
    z
      .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
      .default(fallback ? 'true' : 'false')
      .transform(value => value === 'true' || value === '1'),
  );

export const logLevel = z.preprocess(
  blankAsUndefined,
  z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
);

const label = (fallback: string) =>
  z.preprocess(
    blankAsUndefined,
    z
      .string()
      .trim()
      .min(1)
      .max(60, 'must be at most 60 characters')
      .default(fallback),
  );

export const pollEnv = {
  POLL_ID: z.preprocess(
    blankAsUndefined,
    z
      .string()
      .regex(
        POLL_ID_PATTERN,
        'must be lowercase letters, digits and dashes (at most 63)',
      )
      .default('default'),
  ),
  POLL_QUESTION: label('Cats or dogs?'),
  OPTION_A: label('Cats'),
  OPTION_B: label('Dogs'),
};

export function pollFromEnv(env: {
  POLL_ID: string;
  POLL_QUESTION: string;
  OPTION_A: string;
  OPTION_B: string;
}): Poll {
  if (env.OPTION_A === env.OPTION_B)
    throw new ConfigError(
      'invalid configuration:\n  OPTION_B: must differ from OPTION_A',
    );
  return {
    id: env.POLL_ID,
    question: env.POLL_QUESTION,
    options: [
      { id: 'a', label: env.OPTION_A },
      { id: 'b', label: env.OPTION_B },
    ],
  };
}

export const queueEnv = {
  QUEUE_BACKEND: z.preprocess(
    blankAsUndefined,
    z.enum(['redis', 'nats']).default('redis'),
  ),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
  NATS_URL: url(['nats:', 'tls:'], 'nats://127.0.0.1:4222'),
  /** Name of the Redis stream or JetStream stream that carries votes. */
  QUEUE_STREAM: z.preprocess(
    blankAsUndefined,
    z
      .string()
      .regex(
        /^[A-Za-z0-9_-]{1,64}$/,
        'must be letters, digits, _ or - (at most 64)',
      )
      .default('votes'),
  ),
  /** A vote taken by a worker and not acknowledged for this long goes to another worker. */
  QUEUE_CLAIM_IDLE_MS: positiveInt(30_000),
  /** Copies of the JetStream stream a worker creates: 3 on a 3-node NATS cluster. */
  NATS_STREAM_REPLICAS: positiveInt(1, 5),
};

export function queueSettings(env: {
  QUEUE_BACKEND: 'redis' | 'nats';
  REDIS_URL: string;
  NATS_URL: string;
  QUEUE_STREAM: string;
  QUEUE_CLAIM_IDLE_MS: number;
  NATS_STREAM_REPLICAS: number;
}): QueueSettings {
  return {
    backend: env.QUEUE_BACKEND,
    redisUrl: env.REDIS_URL,
    natsUrl: env.NATS_URL,
    stream: env.QUEUE_STREAM,
    claimIdleMs: env.QUEUE_CLAIM_IDLE_MS,
    streamReplicas: env.NATS_STREAM_REPLICAS,
  };
}

const POSTGRES_PROTOCOLS = ['postgres:', 'postgresql:'];

export const postgresEnv = {
  POSTGRES_URL: url(
    POSTGRES_PROTOCOLS,
    'postgres://postgres@127.0.0.1:5432/voting',
  ),
  /**
   * The same user straight to the database, when POSTGRES_URL goes through a pool that keeps no
   * session (PgBouncer in transaction mode): for migrations (node-pg-migrate holds an advisory
   * lock for the run), the worker's rebuild lock and the result app's LISTEN.
   */
  POSTGRES_SESSION_URL: optionalUrl(POSTGRES_PROTOCOLS),
};

export interface PostgresSettings {
  /** Every statement of the hot paths (one statement, or one transaction, at a time). */
  postgresUrl: string;
  /** What needs a session of its own: POSTGRES_SESSION_URL, else POSTGRES_URL. */
  postgresSessionUrl: string;
}

export function postgresSettings(env: {
  POSTGRES_URL: string;
  POSTGRES_SESSION_URL?: string;
}): PostgresSettings {
  return {
    postgresUrl: env.POSTGRES_URL,
    postgresSessionUrl: env.POSTGRES_SESSION_URL ?? env.POSTGRES_URL,
  };
}

export const httpEnv = (defaultPort: number) => ({
  HOST: z.preprocess(blankAsUndefined, z.string().default('0.0.0.0')),
  PORT: port(defaultPort),
  LOG_LEVEL: logLevel,
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000, 600_000),
});

/** What every service reads: where it listens, how much it logs, how long it may take to stop. */
export interface ServiceSettings {
  host: string;
  port: number;
  logLevel: string;
  shutdownTimeoutMs: number;
}

export function serviceSettings(env: {
  HOST: string;
  PORT: number;
  LOG_LEVEL: string;
  SHUTDOWN_TIMEOUT_MS: number;
}): ServiceSettings {
  return {
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  };
}

/** Hides the password of a connection URL so it can be logged. */
export function redactUrl(value: string): string {
  const parsed = new URL(value);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
