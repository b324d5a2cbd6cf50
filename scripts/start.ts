/**
 * The README's first command: starts the local voting stack (vote, worker, result) on local
 * PostgreSQL, Redis and NATS, prints the URLs, and stops everything cleanly on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDatabase, ensureServices, serviceUrls } from './lib/services.js';
import { log } from './lib/system.js';

const root = resolve(import.meta.dirname, '..');
const cache = join(root, '.cache');
mkdirSync(cache, { recursive: true });

await ensureServices(['postgres', 'redis', 'nats'], join(cache, 'services'));

const database = process.env.VOTING_DATABASE ?? 'voting';
ensureDatabase(serviceUrls.postgres, database);
const postgresUrl = process.env.POSTGRES_URL ?? Object.assign(new URL(serviceUrls.postgres), { pathname: `/${database}` }).toString();

/** Kept across runs so that voters keep their identity (and their one vote) after a restart. */
function cookieSecret(): string {
  if (process.env.VOTE_COOKIE_SECRET) return process.env.VOTE_COOKIE_SECRET;
  const file = join(cache, 'vote-cookie-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

const ports = { vote: process.env.VOTE_PORT ?? '8080', result: process.env.RESULT_PORT ?? '8081', worker: process.env.WORKER_PORT ?? '8082' };
const urls = { vote: `http://localhost:${ports.vote}`, result: `http://localhost:${ports.result}` };
const env = {
  ...process.env,
  POSTGRES_URL: postgresUrl,
  REDIS_URL: serviceUrls.redis,
  NATS_URL: serviceUrls.nats,
  VOTE_COOKIE_SECRET: cookieSecret(),
  RESULT_URL: urls.result,
  HOST: process.env.HOST ?? '127.0.0.1',
};

const children = new Map<string, ChildProcess>();
let stopping = false;

function startService(name: 'vote' | 'worker' | 'result'): Promise<void> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', `apps/${name}/src/main.ts`], {
    cwd: root,
    env: { ...env, PORT: ports[name] },
    stdio: ['ignore', 'inherit', 'inherit'],
    // Its own process group: Ctrl-C reaches only this script, which then stops each service
    // with one SIGTERM (a second signal would make a service skip its graceful shutdown).
    detached: true,
  });
  children.set(name, child);
  child.on('exit', code => {
    children.delete(name);
    if (!stopping) {
      log(`${name} exited (${code}); stopping the stack`);
      void stopAll(1);
    }
  });
  return waitReady(`http://127.0.0.1:${ports[name]}/readyz`, name);
}

async function waitReady(url: string, name: string): Promise<void> {
  for (let i = 0; i < 300 && !stopping; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become ready at ${url}`);
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await Promise.all(
    [...children.values()].map(child => new Promise(resolve => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    })),
  );
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  // The worker runs the migrations, so it goes first.
  await startService('worker');
  await Promise.all([startService('vote'), startService('result')]);
} catch (error) {
  log((error as Error).message);
  await stopAll(1);
}

log('the voting stack is running:');
log(`  vote:    ${urls.vote}`);
log(`  results: ${urls.result}`);
log(`  worker:  http://localhost:${ports.worker}/metrics`);
log('press Ctrl-C to stop');
