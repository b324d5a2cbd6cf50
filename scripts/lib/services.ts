import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { aptInstall, isRoot, log, run, SetupError, which } from './system.js';
import { waitUntil, WaitTimeoutError } from '@voting-platform/timing';

/**
 * The local servers the voting stack needs. Each is used where its URL points when something
 * answers there; otherwise it is started if installed, installed with apt when we are root on
 * Debian, or the command stops and says how to get it.
 */
export type ServiceName = 'postgres' | 'redis' | 'nats';

export const serviceUrls: Record<ServiceName, string> = {
  postgres:
    process.env.POSTGRES_ADMIN_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres',
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  nats: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
};

interface ServiceSpec {
  label: string;
  aptPackage: string;
  installed(): boolean;
  start(stateDir: string, port: string): void;
  /** Stops a server that `start` started (the test command leaves nothing running). */
  stop(stateDir: string, port: string): void;
}

const isLoopback = (host: string) =>
  ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);

function postgresVersions(): string[] {
  return existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
    : [];
}

const SPECS: Record<ServiceName, ServiceSpec> = {
  postgres: {
    label: 'PostgreSQL',
    aptPackage: 'postgresql',
    installed: () =>
      postgresVersions().length > 0 && which('pg_ctlcluster') !== undefined,
    start() {
      // Debian's cluster keeps its own port (5432 unless configured otherwise).
      const version = postgresVersions().sort(
        (a, b) => Number(b) - Number(a),
      )[0]!;
      trustLoopbackIfFresh(version);
      run('pg_ctlcluster', [
        '--skip-systemctl-redirect',
        version,
        'main',
        'start',
      ]);
    },
    stop() {
      const version = postgresVersions().sort(
        (a, b) => Number(b) - Number(a),
      )[0]!;
      run('pg_ctlcluster', [
        '--skip-systemctl-redirect',
        version,
        'main',
        'stop',
      ]);
    },
  },
  redis: {
    label: 'Redis',
    aptPackage: 'redis-server',
    installed: () => which('redis-server') !== undefined,
    start(stateDir, port) {
      const dir = join(stateDir, `redis-${port}`);
      mkdirSync(dir, { recursive: true });
      run(which('redis-server')!, [
        '--daemonize',
        'yes',
        '--bind',
        '127.0.0.1',
        '--port',
        port,
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--save',
        '',
        '--logfile',
        join(dir, 'redis.log'),
      ]);
    },
    stop(_stateDir, port) {
      run('redis-cli', ['-p', port, 'shutdown']);
    },
  },
  nats: {
    label: 'NATS',
    aptPackage: 'nats-server',
    installed: () => which('nats-server') !== undefined,
    start(stateDir, port) {
      const dir = join(stateDir, `nats-${port}`);
      mkdirSync(dir, { recursive: true });
      const args = [
        '-a',
        '127.0.0.1',
        '-p',
        port,
        '-js',
        '-sd',
        dir,
        '-l',
        join(dir, 'nats.log'),
        '-P',
        join(dir, 'nats.pid'),
      ];
      spawn(which('nats-server')!, args, {
        detached: true,
        stdio: 'ignore',
      }).unref();
    },
    stop(stateDir, port) {
      const pidFile = join(stateDir, `nats-${port}`, 'nats.pid');
      if (existsSync(pidFile))
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
    },
  },
};

/**
 * A PostgreSQL that this command installed itself only accepts passwords on TCP. For a local
 * development server, trust loopback connections instead (the machine's own users only).
 */
function trustLoopbackIfFresh(version: string): void {
  const hba = `/etc/postgresql/${version}/main/pg_hba.conf`;
  const marker = '# voting-platform: local development';
  if (!isRoot || !existsSync(hba) || readFileSync(hba, 'utf8').includes(marker))
    return;
  const original = readFileSync(hba, 'utf8');
  writeFileSync(
    hba,
    `${marker}\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n${original}`,
  );
  log(
    `PostgreSQL ${version}: trusting loopback connections for local development (${hba})`,
  );
}

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise(resolve => {
    const socket = connect({
      host: hostname.replace(/^\[|\]$/g, ''),
      port: Number(port),
      timeout: 1_000,
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function waitReachable(url: string, timeoutMs: number): Promise<boolean> {
  return waitUntil(async () => (await reachable(url)) || undefined, {
    timeoutMs,
    intervalMs: 200,
    timeoutMessage: () => url,
  }).catch(error => {
    if (error instanceof WaitTimeoutError) return false;
    throw error;
  });
}

export type ServiceAction =
  | 'use'
  | 'start'
  | 'install-and-start'
  | 'unreachable-remote';

/** What to do about one server, from what is known about it. Pure, so it is tested directly. */
export function planService(state: {
  reachable: boolean;
  installed: boolean;
  loopback: boolean;
}): ServiceAction {
  if (state.reachable) return 'use';
  if (!state.loopback) return 'unreachable-remote';
  return state.installed ? 'start' : 'install-and-start';
}

/**
 * Makes sure the named servers answer at their URLs; throws SetupError with advice if not.
 * Returns a function that stops the servers it had to start (and nothing that was running).
 */
export async function ensureServices(
  names: ServiceName[],
  stateDir: string,
  urls = serviceUrls,
): Promise<() => void> {
  const plans = await Promise.all(
    names.map(async name => ({
      name,
      action: planService({
        reachable: await reachable(urls[name]),
        installed: SPECS[name].installed(),
        loopback: isLoopback(new URL(urls[name]).hostname),
      }),
    })),
  );
  for (const { name } of plans.filter(p => p.action === 'unreachable-remote')) {
    throw new SetupError(
      `${SPECS[name].label} does not answer at ${redact(
        urls[name],
      )}. Start it there, or unset the variable to use a local one.`,
    );
  }
  aptInstall(
    plans
      .filter(p => p.action === 'install-and-start')
      .map(p => SPECS[p.name].aptPackage),
    'the local voting stack',
  );

  const started: ServiceName[] = [];
  const stopStarted = () => {
    for (const name of started.reverse()) {
      log(`stopping ${SPECS[name].label}, which this command started`);
      SPECS[name].stop(stateDir, new URL(urls[name]).port);
    }
  };
  for (const { name } of plans.filter(p => p.action !== 'use')) {
    const { label } = SPECS[name];
    log(`starting ${label} on ${new URL(urls[name]).host}`);
    SPECS[name].start(stateDir, new URL(urls[name]).port);
    started.push(name);
    if (!(await waitReachable(urls[name], 20_000))) {
      stopStarted();
      throw new SetupError(
        `${label} did not come up at ${redact(
          urls[name],
        )}. Check its log in ${stateDir}, or start it yourself (docker compose up -d ${name}).`,
      );
    }
  }
  return stopStarted;
}

/** Installs the server binaries that tests run as throw-away instances of their own. */
export function ensureServerBinaries(): void {
  const missing = (Object.keys(SPECS) as ServiceName[]).filter(
    name => !SPECS[name].installed(),
  );
  aptInstall(
    missing.map(name => SPECS[name].aptPackage),
    'the tests (they start their own servers)',
  );
}

export function ensureDatabase(adminUrl: string, database: string): void {
  const probe = spawnSync(
    'psql',
    [
      adminUrl,
      '-tAc',
      `SELECT 1 FROM pg_database WHERE datname = '${database}'`,
    ],
    { encoding: 'utf8' },
  );
  if (probe.status !== 0)
    throw new SetupError(
      `cannot query PostgreSQL at ${redact(adminUrl)}: ${probe.stderr.trim()}`,
    );
  if (probe.stdout.trim() !== '1') {
    log(`creating database ${database}`);
    run('psql', [adminUrl, '-qc', `CREATE DATABASE "${database}"`]);
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
