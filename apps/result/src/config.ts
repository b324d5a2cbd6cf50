import { z } from 'zod';
import { httpEnv, parseEnv, pollEnv, pollFromEnv, positiveInt, postgresEnv } from '@voting-platform/core/service';
import type { Poll } from '@voting-platform/core';

const schema = z.object({
  ...httpEnv(8081),
  ...pollEnv,
  ...postgresEnv,
  /** Minimum time between two pushes: bursts of batches are coalesced into one update. */
  RESULT_PUSH_INTERVAL_MS: positiveInt(100, 10_000),
});

export interface ResultConfig {
  host: string;
  port: number;
  logLevel: string;
  shutdownTimeoutMs: number;
  poll: Poll;
  postgresUrl: string;
  pushIntervalMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ResultConfig {
  const e = parseEnv(schema, env);
  return {
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    poll: pollFromEnv(e),
    postgresUrl: e.POSTGRES_URL,
    pushIntervalMs: e.RESULT_PUSH_INTERVAL_MS,
  };
}
