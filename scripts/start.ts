/**
 * The README's first command: starts the local voting stack (vote, worker, result) on local
 * PostgreSQL, Redis and NATS and the Backstage portal (backend serving the built frontend),
 * prints the URLs, and stops everything cleanly on Ctrl-C. Without cloud credentials it runs in
 * sandbox mode (lib/sandbox): the templates provision against local emulators and clusters.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDatabase, ensureServices, serviceUrls } from './lib/services.js';
import { log, setUp } from './lib/system.js';
import {
  ensureFrontendBuilt,
  scriptToken,
  spawnBackend,
  waitBackendReady,
} from './lib/portal.js';
import { sleep, waitUntil } from '@voting-platform/timing';
import {
  cloudConfig,
  cloudCredentialsGiven,
  startLocalCloud,
  type LocalCloud,
} from './lib/sandbox/index.js';
import {
  controlPlaneAvailability,
  goBinary,
  helmForSandbox,
} from './lib/sandbox/tools.js';

const root = resolve(import.meta.dirname, '..');
const cache = join(root, '.cache');
mkdirSync(cache, { recursive: true });

// The frontend bundle builds (when its sources changed) while the services start.
const frontendBuild = ensureFrontendBuilt(log);
frontendBuild.catch(() => {});

const database = process.env.VOTING_DATABASE ?? 'voting';
await setUp(async () => {
  await ensureServices(['postgres', 'redis', 'nats'], join(cache, 'services'));
  ensureDatabase(serviceUrls.postgres, database);
});
const postgresUrl =
  process.env.POSTGRES_URL ??
  Object.assign(new URL(serviceUrls.postgres), {
    pathname: `/${database}`,
  }).toString();

/** Kept across runs so that voters keep their identity (and their one vote) after a restart. */
function cookieSecret(): string {
  if (process.env.VOTE_COOKIE_SECRET) return process.env.VOTE_COOKIE_SECRET;
  const file = join(cache, 'vote-cookie-secret');
  if (!existsSync(file))
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

const ports = {
  vote: process.env.VOTE_PORT ?? '8080',
  result: process.env.RESULT_PORT ?? '8081',
  worker: process.env.WORKER_PORT ?? '8082',
};
const urls = {
  vote: `http://localhost:${ports.vote}`,
  result: `http://localhost:${ports.result}`,
};
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
let localCloud: LocalCloud | undefined;
/** Stops what sandbox mode started besides child processes (a control plane build). */
const stopHooks: Array<() => void> = [];

function startService(name: 'vote' | 'worker' | 'result'): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', `apps/${name}/src/main.ts`],
    {
      cwd: root,
      env: { ...env, PORT: ports[name] },
      stdio: ['ignore', 'inherit', 'inherit'],
      // Its own process group: Ctrl-C reaches only this script, which then stops each service
      // with one SIGTERM (a second signal would make a service skip its graceful shutdown).
      detached: true,
    },
  );
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
  const message = `${name} did not become ready at ${url}`;
  await waitUntil(
    async () => {
      if (stopping) throw new Error(message);
      // not listening yet: fetch fails, and the next check comes
      const res = await fetch(url).catch(() => undefined);
      return res?.ok || undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, timeoutMessage: () => message },
  );
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  stopHooks.forEach(stop => stop());
  await Promise.all([
    ...[...children.values()].map(async child => {
      const exited = new Promise(done => child.once('exit', done));
      child.kill('SIGTERM');
      // a backend stopped while it starts can ignore the SIGTERM
      const grace = new AbortController();
      const graceful = await Promise.race([
        exited.then(() => true),
        sleep(15_000, grace.signal, { onAbort: 'resolve' }).then(() => false),
      ]);
      grace.abort();
      if (!graceful) {
        child.kill('SIGKILL');
        await exited;
      }
    }),
    localCloud?.stop(),
  ]);
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const portalUrl = 'http://localhost:7007';

const sandbox = !cloudCredentialsGiven(process.env, [
  join(root, 'app-config.yaml'),
  join(root, 'app-config.local.yaml'),
]);
/** The backend's extra config: the sandbox's, or the credentials from the environment. */
let backendConfig: string;
if (sandbox) {
  log(
    'sandbox mode (no DIGITALOCEAN_TOKEN or CLOUDFLARE_API_TOKEN): DigitalOcean and Cloudflare are emulated locally',
  );
  const availability = controlPlaneAvailability(
    cache,
    log,
    stopHooks,
    goBinary(),
  );
  localCloud = await startLocalCloud({
    cache,
    charts: join(
      root,
      'plugins/scaffolder-backend-module-kubernetes/test-charts',
    ),
    helm: helmForSandbox(log),
    postgresAdminUrl: serviceUrls.postgres,
    controlPlane: availability,
    localStack: { voteUrl: urls.vote, resultUrl: urls.result },
    log,
  }).catch(async error => {
    log(`sandbox mode could not start: ${(error as Error).message}`);
    return stopAll(1) as never;
  });
  backendConfig = localCloud.backendConfig;
} else {
  backendConfig = cloudConfig(cache, process.env);
}

async function startPortal(): Promise<void> {
  await frontendBuild;
  if (stopping) return;
  const child = spawnBackend({
    env: { BACKSTAGE_SCRIPT_TOKEN: scriptToken(cache) },
    configs: [backendConfig],
    detached: true,
  });
  children.set('portal', child);
  child.on('exit', code => {
    children.delete('portal');
    if (!stopping) {
      log(`the portal backend exited (${code}); stopping the stack`);
      void stopAll(1);
    }
  });
  await waitBackendReady('http://127.0.0.1:7007', child);
}

try {
  // The portal needs none of the services, so it starts at once.
  const portal = startPortal();
  portal.catch(() => {});
  // The worker runs the migrations, so it goes first.
  await startService('worker');
  await Promise.all([startService('vote'), startService('result'), portal]);
} catch (error) {
  if (!stopping) log((error as Error).message);
  await stopAll(1);
}
// Ctrl-C during the start: stopAll is already shutting everything down.
if (stopping) await new Promise(() => {});

log('the voting stack and the portal are running:');
log(
  `  portal:  ${portalUrl}   (sign in as guest; the catalog shows the voting-platform system)`,
);
log(`  vote:    ${urls.vote}`);
log(`  results: ${urls.result}`);
log(`  worker:  http://localhost:${ports.worker}/metrics`);
log(
  `  API token for scripts (backend.auth.externalAccess): .cache/backstage-script-token`,
);
if (localCloud) {
  log(
    `  sandbox: DigitalOcean ${localCloud.digitalocean.url}, Cloudflare ${localCloud.cloudflare.url} (zone example.com)`,
  );
  log(
    "  sandbox: URLs, tokens and each cluster's kubeconfig for scripts: .cache/sandbox.json",
  );
}
log('press Ctrl-C to stop');
