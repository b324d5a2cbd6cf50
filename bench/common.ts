/**
 * What the benchmarks share: the `--quick` switch, the figures and how they are printed, and
 * the voting stack on a fresh database and Redis.
 */
import {
  appProcesses,
  stackEnv,
  type AppProcess,
} from '../test/support/apps.js';
import { createDatabase, startRedis } from '../test/support/servers.js';

export const quick = process.argv.includes('--quick');
export const seconds = (full: number) =>
  quick ? Math.max(2, Math.round(full / 5)) : full;
export const ROUNDS = quick ? 1 : 3;
export const figures: Record<string, unknown> = {};

export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ]!;
};
export const round = (n: number, digits = 0) => Number(n.toFixed(digits));

export function report(name: string, value: Record<string, unknown>) {
  figures[name] = value;
  console.log(`\n## ${name}`);
  for (const [key, v] of Object.entries(value))
    console.log(
      `  ${key.padEnd(28)} ${
        typeof v === 'number' ? v.toLocaleString('en') : JSON.stringify(v)
      }`,
    );
}

export type Stack = {
  vote: AppProcess;
  worker: AppProcess;
  result: AppProcess;
  postgresUrl: string;
};

/** Runs the voting services on a fresh database and Redis; `voteOnly` leaves out worker and result. */
export async function withStack<T>(
  run: (stack: Stack) => Promise<T>,
  { voteOnly = false, fsync = 'everysec' as 'everysec' | 'always' } = {},
): Promise<T> {
  const database = await createDatabase();
  const redis = await startRedis({ fsync });
  const env = stackEnv({
    postgresUrl: database.url,
    redisUrl: redis.url,
    extraEnv: { LOG_LEVEL: 'warn' },
  });
  const [worker, vote, result] = await appProcesses(
    ['worker', 'vote', 'result'],
    env,
  );
  const running = voteOnly ? [vote] : [worker, vote, result];
  try {
    // The worker runs the migrations and builds the store's voters' records (marks it complete);
    // for `voteOnly` it stops once the vote app is ready, so only vote and Redis are measured.
    await worker.start();
    await Promise.all([vote.start(), ...(voteOnly ? [] : [result.start()])]);
    if (voteOnly) await worker.stop();
    return await run({ vote, worker, result, postgresUrl: database.url });
  } finally {
    await Promise.all(running.map(app => app.stop()));
    await redis.destroy();
    await database.drop();
  }
}
