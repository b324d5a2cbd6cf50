import { z } from 'zod';
import { booleanFlag, httpEnv, parseEnv, pollEnv, pollFromEnv, queueEnv, positiveInt } from '@voting-platform/core/service';
import type { Poll } from '@voting-platform/core';
import type { QueueSettings } from '@voting-platform/core/queue';

const schema = z.object({
  ...httpEnv(8080),
  ...pollEnv,
  ...queueEnv,
  VOTE_COOKIE_SECRET: z
    .string({ message: 'is required: a random secret of at least 32 characters that signs voter cookies' })
    .min(32, 'must be at least 32 characters'),
  TRUST_PROXY: booleanFlag(false),
  RESULT_URL: z.preprocess(v => (v === '' ? undefined : v), z.url({ message: 'must be a URL' }).optional()),
  QUEUE_CLAIM_IDLE_MS: positiveInt(30_000),
});

export interface VoteConfig {
  host: string;
  port: number;
  logLevel: string;
  shutdownTimeoutMs: number;
  poll: Poll;
  queue: QueueSettings;
  cookieSecret: string;
  /** Behind a TLS-terminating proxy: trust X-Forwarded-* so cookies get Secure on HTTPS. */
  trustProxy: boolean;
  /** Where the page links to the live results, if anywhere. */
  resultUrl?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): VoteConfig {
  const e = parseEnv(schema, env);
  return {
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    poll: pollFromEnv(e),
    queue: { backend: e.QUEUE_BACKEND, redisUrl: e.REDIS_URL, natsUrl: e.NATS_URL, stream: e.QUEUE_STREAM, claimIdleMs: e.QUEUE_CLAIM_IDLE_MS },
    cookieSecret: e.VOTE_COOKIE_SECRET,
    trustProxy: e.TRUST_PROXY,
    resultUrl: e.RESULT_URL,
  };
}
