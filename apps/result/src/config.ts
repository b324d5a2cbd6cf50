import { z } from 'zod';
import {
  httpEnv,
  parseEnv,
  pollEnv,
  pollFromEnv,
  positiveInt,
  postgresEnv,
  postgresSettings,
  serviceSettings,
  type PostgresSettings,
  type ServiceSettings,
} from '@voting-platform/core/service';
import type { Poll } from '@voting-platform/core';

const schema = z.object({
  ...httpEnv(8081),
  ...pollEnv,
  ...postgresEnv,
  /** Minimum time between two pushes: bursts of batches are coalesced into one update. */
  RESULT_PUSH_INTERVAL_MS: positiveInt(50, 10_000),
});

export interface ResultConfig extends ServiceSettings, PostgresSettings {
  poll: Poll;
  pushIntervalMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ResultConfig {
  const e = parseEnv(schema, env);
  return {
    ...serviceSettings(e),
    poll: pollFromEnv(e),
    ...postgresSettings(e),
    pushIntervalMs: e.RESULT_PUSH_INTERVAL_MS,
  };
}
