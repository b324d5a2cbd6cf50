import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  chownSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { freePort, waitFor } from './ports.js';

/**
 * Throw-away servers for tests that stop and restart them: real redis-server, nats-server
 * and PostgreSQL processes on free loopback ports with their data in a temp folder.
 */
export interface TestServer {
  url: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its data. */
  destroy(): Promise<void>;
}

export function findBinary(name: string, extraDirs: string[] = []): string {
  for (const dir of [
    ...(process.env.PATH ?? '').split(':'),
    '/usr/sbin',
    '/usr/bin',
    '/usr/local/bin',
    ...extraDirs,
  ]) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(
    `${name} is not installed; run the README's test command, which installs it`,
  );
}

function portOpen(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface ServerProcess {
  command: [string, string[]];
  /** Run as this user and group (PostgreSQL refuses to run as root). */
  ids?: { uid: number; gid: number };
  /** The signal for an orderly stop: PostgreSQL's "smart" SIGTERM would wait for clients. */
  stopSignal?: NodeJS.Signals;
}

function processServer(
  url: string,
  port: number,
  dir: string,
  spec: () => ServerProcess,
): TestServer {
  let child: ChildProcess | undefined;
  let stopSignal: NodeJS.Signals = 'SIGTERM';
  const server: TestServer = {
    url,
    async start() {
      const {
        command: [bin, args],
        ids,
        stopSignal: signal,
      } = spec();
      stopSignal = signal ?? 'SIGTERM';
      child = spawn(bin, args, { stdio: 'ignore', ...ids });
      try {
        await waitFor(`${bin} on port ${port}`, () => portOpen(port), 60_000);
      } catch (error) {
        await server.stop('SIGKILL');
        throw error;
      }
    },
    async stop(signal) {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise(resolve => running.once('exit', resolve));
      running.kill(signal ?? stopSignal);
      await exited;
    },
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/**
 * Redis with an append-only file, synced on every write by default so that even a crash loses
 * nothing ('everysec' is Redis's own default, a little faster).
 */
export async function startRedis({
  fsync = 'always',
}: { fsync?: 'always' | 'everysec' } = {}): Promise<TestServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redis-'));
  const server = processServer(`redis://127.0.0.1:${port}`, port, dir, () => ({
    command: [
      findBinary('redis-server'),
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        fsync,
        '--save',
        '',
      ],
    ],
  }));
  await server.start();
  return server;
}

/** NATS with JetStream storing to a temp folder. */
export async function startNats(): Promise<TestServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'nats-'));
  const server = processServer(`nats://127.0.0.1:${port}`, port, dir, () => ({
    command: [
      findBinary('nats-server'),
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
    ],
  }));
  await server.start();
  return server;
}

/** PostgreSQL refuses to run as root; as root, its programs run as the postgres user. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) =>
    Number(
      spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim(),
    );
  return { uid: id('-u'), gid: id('-g') };
}

function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const version = existsSync(base)
    ? readdirSync(base).sort((a, b) => Number(b) - Number(a))[0]
    : undefined;
  if (!version)
    throw new Error(
      "PostgreSQL is not installed; run the README's test command, which installs it",
    );
  return join(base, version, 'bin');
}

/** A PostgreSQL cluster of its own, for tests that stop the database server. */
export async function startPostgres(): Promise<TestServer> {
  const bin = postgresBinDir();
  const ids = postgresUser();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pg-'));
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const data = join(dir, 'data');
  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
    {
      encoding: 'utf8',
      cwd: dir,
      ...ids,
    },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const server = processServer(
    `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    () => ({
      command: [
        join(bin, 'postgres'),
        [
          '-D',
          data,
          '-p',
          String(port),
          '-k',
          dir,
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'fsync=off',
        ],
      ],
      ids,
      stopSignal: 'SIGINT', // "fast" shutdown: disconnects clients, as a restart does
    }),
  );
  await server.start();
  return server;
}

/** The PostgreSQL server the project runs against (POSTGRES_ADMIN_URL or the loopback default). */
export const adminUrl =
  process.env.POSTGRES_ADMIN_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, empty database on a PostgreSQL server, dropped by the returned function. */
export async function createDatabase(
  serverUrl = adminUrl,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
