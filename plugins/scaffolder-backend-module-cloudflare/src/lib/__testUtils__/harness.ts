/**
 * Test harness: the cloud sandbox (contract-checked) and an action context that records logs,
 * outputs and checkpoints like the scaffolder does.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import type { JsonObject, JsonValue } from '@backstage/types';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { ManualClock, useSandbox, type CloudflareEmulator } from '@voting-platform/cloud-sandbox';
import { sleep } from '@voting-platform/timing';
import type { CloudflareActionOptions } from '../client';

export interface RunOptions {
  isDryRun?: boolean;
  secrets?: Record<string, string>;
  /** Checkpoints that already succeeded (shared between runs of one task) */
  checkpoints?: Map<string, JsonValue>;
  /** Throw right after the checkpoint with this key succeeded, as a worker that dies there */
  crashAfter?: string;
  workspacePath?: string;
}

export class Crash extends Error {}

type ValueOf<M> = M extends Map<string, infer V> ? V : never;
type Zone = ValueOf<CloudflareEmulator['zones']>;
type DnsRecord = ValueOf<CloudflareEmulator['records']>;

export function createHarness() {
  const env = useSandbox({ beforeAll, afterAll, afterEach }, { clock: new ManualClock(), coverageDir: false, cloudflare: { zones: ['example.com', 'example.org'] } });

  function options(config: Record<string, unknown> = {}): CloudflareActionOptions {
    const { cloudflare } = env.sandbox;
    return { config: mockServices.rootConfig({ data: { cloudflare: { apiToken: cloudflare.token, apiUrl: cloudflare.url, requestTimeoutMs: 5000, ...config } } }) };
  }

  /** Runs an action; on failure the error carries the logs (`err.logs`). */
  async function run(action: TemplateAction<any, any, any>, input: Record<string, unknown>, opts: RunOptions = {}) {
    const logs: string[] = [];
    const outputs: Record<string, any> = {};
    const checkpoints = opts.checkpoints ?? new Map<string, JsonValue>();
    const line = (level: string) => (message: string, meta?: unknown) => {
      logs.push(`${level} ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}`);
    };
    const logger: LoggerService = { info: line('info'), warn: line('warn'), error: line('error'), debug: line('debug'), child: () => logger };
    const ctx = {
      ...createMockActionContext({ input: input as JsonObject, secrets: opts.secrets, logger, workspacePath: opts.workspacePath }),
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

  const calls = (operationId: string) => env.sandbox.cloudflare.requests.filter(r => r.operationId === operationId).length;
  const zone = (name = 'example.com'): Zone => [...env.sandbox.cloudflare.zones.values()].find(z => z.name === name)!;
  const records = (name: string): DnsRecord[] => [...env.sandbox.cloudflare.records.values()].filter(r => r.name === name);

  /** Fails if the token (or the Origin CA key) appears in the text. */
  function expectNoSecrets(...texts: unknown[]) {
    const all = texts.map(t => (typeof t === 'string' ? t : JSON.stringify(t, (_k, v) => (v instanceof Map ? [...v.entries()] : v)))).join('\n');
    for (const secret of [env.sandbox.cloudflare.token, env.sandbox.cloudflare.serviceKey, env.sandbox.digitalocean.token]) expect(all).not.toContain(secret);
  }

  /** Waits for requests the client gave up on (delayMs faults) to land before the sandbox stops. */
  const settle = () => sleep(400);

  return { env, options, run, calls, zone, records, expectNoSecrets, settle };
}
