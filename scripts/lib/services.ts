import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { aptInstall, isRoot, log, run, which } from './system.js';

/**
 * The local servers the voting stack needs. Each is used where its URL points when something
 * answers there; otherwise it is started if installed, installed with apt when we are root on
 * Debian, or the command stops and says how to get it.
 */
export type ServiceName = 'postgres' | 'redis' | 'nats';

export const serviceUrls: Record<ServiceName, string> = {
  postgres: process.env.POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  nats: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
};

interface ServiceSpec {
  label: string;
  aptPackage: string;
  installed(): boolean;
  start(stateDir: string): void;
}

const isLoopback = (host: string) => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);

function postgresVersions(): string[] {
  return existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
}

const SPECS: Record<ServiceName, ServiceSpec> = {
  postgres: {
    label: 'PostgreSQL',
    aptPackage: 'postgresql',
    installed: () => postgresVersions().length > 0 && which('pg_ctlcluster') !== undefined,
    start() {
      const version = postgresVersions().sort((a, b) => Number(b) - Number(a))[0]!;
      trustLoopbackIfFresh(version);
      run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
    },
  },
  redis: {
    label: 'Redis',
    aptPackage: 'redis-server',
    installed: () => which('redis-server') !== undefined,
    start(stateDir) {
      const dir = join(stateDir, 'redis');
      mkdirSync(dir, { recursive: true });
      run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', port('redis'), '--dir', dir,
        '--appendonly', 'yes', '--save', '', '--logfile', join(dir, 'redis.log')]);
    },
  },
  nats: {
    label: 'NATS',
    aptPackage: 'nats-server',
    installed: () => which('nats-server') !== undefined,
    start(stateDir) {
      const dir = join(stateDir, 'nats');
      mkdirSync(dir, { recursive: true });
      spawn(which('nats-server')!, ['-a', '127.0.0.1', '-p', port('nats'), '-js', '-sd', dir, '-l', join(dir, 'nats.log')], {
        detached: true,
        stdio: 'ignore',
      }).unref();
    },
  },
};

function port(name: ServiceName): string {
  return new URL(serviceUrls[name]).port;
}

/**
 * A PostgreSQL that this command installed itself only accepts passwords on TCP. For a local
 * development server, trust loopback connections instead (the machine's own users only).
 */
function trustLoopbackIfFresh(version: string): void {
  const hba = `/etc/postgresql/${version}/main/pg_hba.conf`;
  const marker = '# voting-platform: local development';
  if (!isRoot || !existsSync(hba) || readFileSync(hba, 'utf8').includes(marker)) return;
  const original = readFileSync(hba, 'utf8');
  writeFileSync(hba, `${marker}\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n${original}`);
  log(`PostgreSQL ${version}: trusting loopback connections for local development (${hba})`);
}

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise(resolve => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port), timeout: 1_000 });
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

async function waitReachable(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await reachable(url)) return true;
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  return false;
}

/** Makes sure the named servers answer at their URLs; stops the process with advice if not. */
export async function ensureServices(names: ServiceName[], stateDir: string): Promise<void> {
  const missing = names.filter(name => !SPECS[name].installed());
  const down: ServiceName[] = [];
  for (const name of names) if (!(await reachable(serviceUrls[name]))) down.push(name);
  const toInstall = down.filter(name => missing.includes(name) && isLoopback(new URL(serviceUrls[name]).hostname));
  aptInstall(toInstall.map(name => SPECS[name].aptPackage), 'the local voting stack');

  for (const name of down) {
    const { label } = SPECS[name];
    const url = serviceUrls[name];
    if (!isLoopback(new URL(url).hostname)) {
      log(`${label} does not answer at ${redact(url)}. Start it there, or unset the variable to use a local one.`);
      process.exit(1);
    }
    log(`starting ${label} on ${new URL(url).host}`);
    SPECS[name].start(stateDir);
    if (!(await waitReachable(url, 20_000))) {
      log(`${label} did not come up at ${redact(url)}. Check its log, or start it yourself (docker compose up -d ${name}).`);
      process.exit(1);
    }
  }
}

/** Installs the server binaries that tests run as throw-away instances of their own. */
export function ensureServerBinaries(): void {
  const missing = (Object.keys(SPECS) as ServiceName[]).filter(name => !SPECS[name].installed());
  aptInstall(missing.map(name => SPECS[name].aptPackage), 'the tests (they start their own servers)');
}

export function ensureDatabase(adminUrl: string, database: string): void {
  const probe = spawnSync('psql', [adminUrl, '-tAc', `SELECT 1 FROM pg_database WHERE datname = '${database}'`], { encoding: 'utf8' });
  if (probe.status !== 0) {
    log(`cannot query PostgreSQL at ${redact(adminUrl)}: ${probe.stderr.trim()}`);
    process.exit(1);
  }
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
