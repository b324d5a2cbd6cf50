import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

export const isRoot = process.getuid?.() === 0;
export const isDebian = existsSync('/etc/debian_version');

export function log(message: string): void {
  console.error(`\x1b[1m[voting]\x1b[0m ${message}`);
}

export function run(
  command: string,
  args: string[],
  options: SpawnSyncOptions = {},
): number {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  return result.status ?? 1;
}

export function which(
  binary: string,
  extraDirs: string[] = [],
): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(':'),
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    ...extraDirs,
  ];
  return dirs
    .filter(dir => dir.startsWith('/'))
    .map(dir => `${dir}/${binary}`)
    .find(path => existsSync(path));
}

let aptUpdated = false;

/** A local prerequisite is missing and this command cannot provide it; the message says how. */
export class SetupError extends Error {
  override name = 'SetupError';
}

/** What a person should run to get packages this command could not install itself. */
export function installAdvice(packages: string[], why: string): string {
  const them = packages.length > 1 ? 'them' : 'it';
  return [
    `${why} needs ${packages.join(', ')}, which ${
      packages.length > 1 ? 'are' : 'is'
    } not installed.`,
    `Install ${them} with:  sudo apt-get install -y ${packages.join(' ')}`,
    'or start the services with Docker:  docker compose up -d   (see docker-compose.yml), then run this again.',
  ].join('\n');
}

/**
 * Installs Debian packages when running as root on Debian; otherwise throws a SetupError with
 * the command a person should run. Returns only when the packages are installed.
 */
export function aptInstall(packages: string[], why: string): void {
  if (packages.length === 0) return;
  if (!isRoot || !isDebian) throw new SetupError(installAdvice(packages, why));
  log(`installing ${packages.join(', ')} with apt-get (${why})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated && run('apt-get', ['update', '-qq'], { env }) !== 0)
    throw new SetupError('apt-get update failed');
  aptUpdated = true;
  if (
    run(
      'apt-get',
      ['install', '-y', '-qq', '--no-install-recommends', ...packages],
      { env },
    ) !== 0
  ) {
    throw new SetupError(`apt-get install ${packages.join(' ')} failed`);
  }
}

/** Runs set-up steps; a SetupError ends the command with its advice instead of a stack trace. */
export async function setUp(steps: () => unknown): Promise<void> {
  try {
    await steps();
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    for (const line of error.message.split('\n')) log(line);
    process.exit(1);
  }
}
