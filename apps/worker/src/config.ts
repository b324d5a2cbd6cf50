import { z } from 'zod';
import {
  booleanFlag,
  httpEnv,
  parseEnv,
  positiveInt,
  postgresEnv,
  postgresSettings,
  queueEnv,
  queueSettings,
  serviceSettings,
  type PostgresSettings,
  type ServiceSettings,
} from '@voting-platform/core/service';
import type { QueueSettings } from '@voting-platform/core/queue';

const schema = z.object({
  ...httpEnv(8082),
  ...queueEnv,
  ...postgresEnv,
  WORKER_BATCH_SIZE: positiveInt(500, 10_000),
  /** How long the worker waits for the queue before it looks again (and notices shutdown). */
  WORKER_POLL_MS: positiveInt(1_000, 60_000),
  MIGRATE_ON_START: booleanFlag(true),
});

export interface WorkerConfig extends ServiceSettings, PostgresSettings {
  queue: QueueSettings;
  batchSize: number;
  pollMs: number;
  migrateOnStart: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = parseEnv(schema, env);
  return {
    ...serviceSettings(e),
    queue: queueSettings(e),
    ...postgresSettings(e),
    batchSize: e.WORKER_BATCH_SIZE,
    pollMs: e.WORKER_POLL_MS,
    migrateOnStart: e.MIGRATE_ON_START,
  };
}
