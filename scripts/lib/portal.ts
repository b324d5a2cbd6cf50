/**
 * The Backstage portal as local commands run it: the frontend bundle built once (and again only
 * when its sources change), served by the backend, which runs from its TypeScript sources.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { waitUntil } from '@voting-platform/timing';

export const root = resolve(import.meta.dirname, '../..');
const appDir = join(root, 'packages/app');
const backendDir = join(root, 'packages/backend');
const bin = (name: string) => join(root, 'node_modules/.bin', name);

/** Folders whose sources end up in the frontend bundle. */
const FRONTEND_SOURCES = [
  'packages/app',
  'plugins/voting',
  'plugins/voting-common',
];

function hashTree(hash: ReturnType<typeof createHash>, dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (
      entry.name === 'node_modules' ||
      entry.name === 'dist' ||
      entry.name === 'dist-types'
    )
      continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) hashTree(hash, path);
    else if (entry.isFile()) hash.update(path).update(readFileSync(path));
  }
}

function frontendHash(): string {
  const hash = createHash('sha256');
  for (const dir of FRONTEND_SOURCES) hashTree(hash, join(root, dir));
  hash.update(readFileSync(join(root, 'yarn.lock')));
  return hash.digest('hex');
}

/**
 * Builds packages/app/dist unless it was built from the current sources. Asynchronous, so the
 * caller can start other things meanwhile. Resolves to whether a build ran.
 */
export async function ensureFrontendBuilt(
  log: (message: string) => void,
): Promise<boolean> {
  const stamp = join(appDir, 'dist/.source-hash');
  const want = frontendHash();
  if (
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === want &&
    existsSync(join(appDir, 'dist/index.html'))
  )
    return false;
  log('building the portal frontend (packages/app)…');
  const started = Date.now();
  const child = spawn(bin('backstage-cli'), ['package', 'build'], {
    cwd: appDir,
    // a production bundle whoever asks: under jest NODE_ENV is "test", and Rspack then refuses
    // the app's browserslist ("cannot parse the browserslist query")
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', chunk => (output += chunk));
  child.stderr.on('data', chunk => (output += chunk));
  const code = await new Promise<number | null>(done => child.on('exit', done));
  if (code !== 0)
    throw new Error(
      `the frontend build failed (exit ${code}):\n${output.slice(-4000)}`,
    );
  writeFileSync(stamp, want);
  log(`frontend built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return true;
}

/**
 * The static token that scripts use to call the backend (backend.auth.externalAccess). Taken
 * from BACKSTAGE_SCRIPT_TOKEN, else generated once and kept (mode 600) in the cache folder.
 */
export function scriptToken(cacheDir: string): string {
  if (process.env.BACKSTAGE_SCRIPT_TOKEN)
    return process.env.BACKSTAGE_SCRIPT_TOKEN;
  const file = join(cacheDir, 'backstage-script-token');
  if (!existsSync(file) || statSync(file).size === 0)
    writeFileSync(file, randomBytes(24).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

export interface BackendOptions {
  /** Extra config files (absolute paths), applied after app-config.yaml. */
  configs?: string[];
  env?: Record<string, string>;
  stdio?: 'inherit' | 'pipe';
  /** Own process group, so that a Ctrl-C in the terminal reaches only the caller. */
  detached?: boolean;
}

/**
 * Starts the backend from its sources (no watch mode) with NODE_ENV=development, which the
 * guest sign-in needs. The caller sets BACKSTAGE_SCRIPT_TOKEN in `env`.
 */
export function spawnBackend(options: BackendOptions = {}): ChildProcess {
  const configs = [
    join(root, 'app-config.yaml'),
    ...(options.configs ?? []),
  ].flatMap(file => ['--config', file]);
  return spawn(
    process.execPath,
    [
      '--require',
      join(root, 'node_modules/@backstage/cli-node/config/nodeTransform.cjs'),
      'src/index.ts',
      ...configs,
    ],
    {
      cwd: backendDir,
      env: { ...process.env, NODE_ENV: 'development', ...options.env },
      stdio: ['ignore', options.stdio ?? 'inherit', options.stdio ?? 'inherit'],
      detached: options.detached ?? false,
    },
  );
}

/**
 * Waits until the backend says it is ready (all plugins started). `failure` reads what the
 * backend said so far and names a failure it will not recover from (it logs some, such as a port
 * already in use, and runs on without ever getting ready).
 */
export async function waitBackendReady(
  baseUrl: string,
  child: ChildProcess,
  timeoutMs = 120_000,
  failure: () => string | undefined = () => undefined,
): Promise<void> {
  await waitUntil(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `the backend exited (${
            child.exitCode ?? child.signalCode
          }) before it was ready`,
        );
      const failed = failure();
      if (failed) throw new Error(`the backend cannot get ready: ${failed}`);
      // not listening yet: fetch fails, and the next check comes
      const res = await fetch(
        `${baseUrl}/.backstage/health/v1/readiness`,
      ).catch(() => undefined);
      return res?.ok || undefined;
    },
    {
      timeoutMs,
      intervalMs: 200,
      timeoutMessage: () =>
        `the backend was not ready at ${baseUrl} within ${timeoutMs / 1000} s`,
    },
  );
}
