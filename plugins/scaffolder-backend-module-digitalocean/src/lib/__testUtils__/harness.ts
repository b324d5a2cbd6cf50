/**
 * Test harness: the cloud sandbox (contract-checked), a manual clock the actions sleep on, and an
 * action context that records logs, outputs and checkpoints like the scaffolder does.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import type { JsonObject, JsonValue } from '@backstage/types';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { ManualClock, useSandbox } from '@voting-platform/cloud-sandbox';
import { sleep } from '@voting-platform/timing';
import type { DigitalOceanClientOptions } from '@voting-platform/plugin-digitalocean-node';

export interface RunOptions {
  isDryRun?: boolean;
  secrets?: Record<string, string>;
  /** Checkpoints that already succeeded (shared between runs of one task) */
  checkpoints?: Map<string, JsonValue>;
  /** Throw right after the checkpoint with this key succeeded, as a worker that dies there */
  crashAfter?: string;
}

export interface RunResult {
  outputs: Record<string, any>;
  logs: string[];
  checkpoints: Map<string, JsonValue>;
}

export class Crash extends Error {}

export function createHarness() {
  const clock = new ManualClock();
  const env = useSandbox({ beforeAll, afterAll, afterEach }, { clock, coverageDir: false, cloudflare: { zones: ['example.com'] } });
  // the actions sleep on the same manual clock the emulators read: a wait costs no real time
  const sleeps = clock.sleeps;
  afterEach(() => {
    sleeps.length = 0;
  });

  function options(config: Record<string, unknown> = {}): DigitalOceanClientOptions {
    const { digitalocean } = env.sandbox;
    return {
      config: mockServices.rootConfig({ data: { digitalocean: { token: digitalocean.token, apiUrl: digitalocean.url, requestTimeoutMs: 5000, ...config } } }),
      clock,
      retry: { retries: 3, minDelayMs: 1000 },
    };
  }

  /** Runs an action; on failure the error carries the logs (`err.logs`). */
  async function run(action: TemplateAction<any, any, any>, input: Record<string, unknown>, opts: RunOptions = {}): Promise<RunResult> {
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
      ...createMockActionContext({ input: input as JsonObject, secrets: opts.secrets, logger }),
      isDryRun: opts.isDryRun ?? false,
      output: (name: string, value: unknown) => {
        outputs[name] = value;
      },
      checkpoint: async ({ key, fn }: { key: string; fn: () => Promise<JsonValue> | JsonValue }) => {
        if (checkpoints.has(key)) return checkpoints.get(key);
        const value = await fn();
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

  /** Calls of one operation the emulator served (faults included). */
  const calls = (operationId: string, provider: 'digitalocean' | 'cloudflare' = 'digitalocean') =>
    env.sandbox[provider].requests.filter(r => r.operationId === operationId).length;

  /** Every secret the sandbox handed out, and its tokens. */
  const secrets = () => [env.sandbox.digitalocean.token, env.sandbox.cloudflare.token, env.sandbox.cloudflare.serviceKey, ...env.sandbox.digitalocean.secrets()];

  /** Fails if any secret appears in the text. */
  function expectNoSecrets(...texts: unknown[]) {
    const plain = (_key: string, v: unknown) => {
      if (v instanceof Map) return [...v.entries()];
      if (v instanceof Error) return { ...v, message: v.message, stack: v.stack };
      return v;
    };
    const all = texts.map(t => (typeof t === 'string' ? t : JSON.stringify(t, plain))).join('\n');
    for (const secret of secrets()) expect(all).not.toContain(secret);
  }

  /** Waits for requests the client gave up on (delayMs faults) to land before the sandbox stops. */
  const settle = () => sleep(400);

  return { clock, env, sleeps, options, run, calls, secrets, expectNoSecrets, settle };
}
