import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TEST_COOKIE_SECRET = 'test-cookie-secret-0123456789abcdef0123';

export type AppName = 'vote' | 'worker' | 'result';

/** One of the voting services running as a real process, as it runs in production. */
export class AppProcess {
  private child?: ChildProcess;
  /** Everything the process wrote, for assertions about its logs. */
  output = '';

  constructor(
    readonly name: AppName,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start({ waitReady = true } = {}): Promise<this> {
    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        `apps/${this.name}/src/main.ts`,
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          LOG_LEVEL: 'info',
          HOST: '127.0.0.1',
          ...this.env,
          PORT: String(this.port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    child.stdout!.on('data', chunk => (this.output += chunk));
    child.stderr!.on('data', chunk => (this.output += chunk));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', code =>
        reject(
          new Error(
            `${this.name} exited with ${code} during start:\n${this.output}`,
          ),
        ),
      ),
    );
    const ready = waitFor(
      `${this.name} /readyz`,
      async () => {
        const response = await fetch(
          `${this.url}/${waitReady ? 'readyz' : 'healthz'}`,
        );
        return response.ok;
      },
      30_000,
    );
    await Promise.race([ready, exited]);
    exited.catch(() => {});
    return this;
  }

  /** Sends a signal without waiting for anything. */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Sends a signal and waits for the exit; returns the exit code (null when killed). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null)
      return child?.exitCode ?? null;
    const exited = new Promise<number | null>(resolve =>
      child.once('exit', code => resolve(code)),
    );
    child.kill(signal);
    return exited;
  }
}

export interface StackOptions {
  postgresUrl: string;
  redisUrl?: string;
  natsUrl?: string;
  backend?: 'redis' | 'nats';
  stream?: string;
  extraEnv?: Record<string, string>;
}

/** Environment shared by the three services of one test stack. */
export function stackEnv(options: StackOptions): Record<string, string> {
  return {
    POSTGRES_URL: options.postgresUrl,
    REDIS_URL: options.redisUrl ?? 'redis://127.0.0.1:6379',
    NATS_URL: options.natsUrl ?? 'nats://127.0.0.1:4222',
    QUEUE_BACKEND: options.backend ?? 'redis',
    QUEUE_STREAM: options.stream ?? 'votes',
    VOTE_COOKIE_SECRET: TEST_COOKIE_SECRET,
    ...options.extraEnv,
  };
}

export async function appProcess(
  name: AppName,
  env: Record<string, string>,
): Promise<AppProcess> {
  return new AppProcess(name, await freePort(), env);
}

/** Several services sharing one environment, in the order named. */
export async function appProcesses<const Names extends readonly AppName[]>(
  names: Names,
  env: Record<string, string>,
): Promise<{ [K in keyof Names]: AppProcess }> {
  return Promise.all(names.map(name => appProcess(name, env))) as Promise<{
    [K in keyof Names]: AppProcess;
  }>;
}
