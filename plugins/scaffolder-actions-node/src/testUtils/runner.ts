import type { LoggerService } from '@backstage/backend-plugin-api';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { JsonObject, JsonValue } from '@backstage/types';

/** @public */
export interface RunOptions {
  isDryRun?: boolean;
  secrets?: Record<string, string>;
  /** Checkpoints that already succeeded (share one map between the runs of one task). */
  checkpoints?: Map<string, JsonValue>;
  /** Throw right after the checkpoint with this key succeeded, as a worker that dies there. */
  crashAfter?: string;
  workspacePath?: string;
  /** The task's signal: abort it to cancel the run, as a cancelled task does. */
  signal?: AbortSignal;
}

/** @public */
export interface RunResult {
  outputs: Record<string, any>;
  logs: string[];
  checkpoints: Map<string, JsonValue>;
}

/**
 * The error `run` throws for `crashAfter`: the worker died right after a side effect.
 *
 * @public
 */
export class Crash extends Error {}

/**
 * Runs an action the way the scaffolder does, with what the mock context of
 * `@backstage/plugin-scaffolder-node-test-utils` lacks: checkpoints that persist between runs of
 * one task (a retried task replays the recorded values and skips the side effects), a worker
 * that dies after a given checkpoint, and a log kept as text. On failure the error carries the
 * log (`err.logs`), so an assertion can check that no secret reached it.
 *
 * @public
 */
export async function runAction(
  action: TemplateAction<any, any, any>,
  input: Record<string, unknown>,
  opts: RunOptions = {},
): Promise<RunResult> {
  const logs: string[] = [];
  const outputs: Record<string, any> = {};
  const checkpoints = opts.checkpoints ?? new Map<string, JsonValue>();
  const line = (level: string) => (message: string, meta?: unknown) => {
    logs.push(`${level} ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}`);
  };
  const logger: LoggerService = {
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    debug: line('debug'),
    child: () => logger,
  };
  const ctx = {
    ...createMockActionContext({
      input: input as JsonObject,
      secrets: opts.secrets,
      logger,
      workspacePath: opts.workspacePath,
    }),
    isDryRun: opts.isDryRun ?? false,
    ...(opts.signal ? { signal: opts.signal } : {}),
    output: (name: string, value: unknown) => {
      outputs[name] = value;
    },
    checkpoint: async ({
      key,
      fn,
    }: {
      key: string;
      fn: () => Promise<JsonValue> | JsonValue;
    }) => {
      if (checkpoints.has(key)) return checkpoints.get(key);
      const value = await fn();
      // the scaffolder stores the value as JSON: a retried task gets it back without prototypes
      checkpoints.set(key, JSON.parse(JSON.stringify(value ?? {})));
      if (opts.crashAfter === key) throw new Crash(`worker died after ${key}`);
      return value;
    },
  };
  try {
    await action.handler(ctx as any);
  } catch (err) {
    Object.assign(err as object, { logs });
    throw err;
  }
  return { outputs, logs, checkpoints };
}
