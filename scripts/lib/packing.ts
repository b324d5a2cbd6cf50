/**
 * The publishable packages as a registry would serve them: built, packed by Yarn (which runs
 * each package's `prepack`, `backstage-cli package prepack` for the plugins, and turns
 * `workspace:^` into real ranges) and checked: every file the manifest points at is in the
 * tarball, and nothing still points at TypeScript sources.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

export interface Workspace {
  name: string;
  dir: string;
  manifest: Manifest;
}

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  main?: string;
  types?: string;
  module?: string;
  configSchema?: string;
  exports?: Record<string, string | Record<string, string>>;
  typesVersions?: Record<string, Record<string, string[]>>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  backstage?: { role?: string };
}

export interface PackedPackage extends Workspace {
  tarball: string;
  /** The manifest inside the tarball. */
  packed: Manifest;
  files: string[];
}

/** Runs a command to its end; throws with its output when it fails. */
export function runChecked(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): string {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 10 * 60_000,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0)
    throw commandFailed(
      command,
      args,
      options.cwd,
      result.error?.message ?? result.signal ?? `exit ${result.status}`,
      output,
    );
  return output;
}

function commandFailed(
  command: string,
  args: string[],
  cwd: string,
  why: string,
  output: string,
): Error {
  return new Error(
    `${command} ${args.join(' ')} (in ${cwd}) failed (${why}):\n${output.slice(
      -6000,
    )}`,
  );
}

/** `runChecked` without blocking, so that several commands run at once. */
function runCheckedInParallel(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs?: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 10 * 60_000,
    });
    let output = '';
    child.stdout.on('data', chunk => (output += chunk));
    child.stderr.on('data', chunk => (output += chunk));
    child.once('error', error =>
      reject(commandFailed(command, args, options.cwd, error.message, output)),
    );
    child.once('close', (code, signal) =>
      code === 0
        ? resolve(output)
        : reject(
            commandFailed(
              command,
              args,
              options.cwd,
              signal ?? `exit ${code}`,
              output,
            ),
          ),
    );
  });
}

/**
 * `task` for every workspace, as many at once as the machine has cores (at least two: much of
 * each is starting Node and reading files), the results in the workspaces' order. Each package
 * is built and packed in its own folder from the declarations the root type check wrote, so
 * they do not depend on one another.
 */
async function forEachWorkspace<T>(
  workspaces: Workspace[],
  task: (workspace: Workspace) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(workspaces.length);
  const failures: unknown[] = [];
  let next = 0;
  // after a failure no new task starts, but those running finish: a pack stopped half-way would
  // leave its package.json rewritten
  const lane = async () => {
    while (next < workspaces.length && failures.length === 0) {
      const index = next++;
      try {
        results[index] = await task(workspaces[index]!);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(2, availableParallelism()) }, lane),
  );
  if (failures.length > 0) throw failures[0];
  return results;
}

/** Every workspace of the repo that is not private: what a release publishes. */
export function publishableWorkspaces(root: string): Workspace[] {
  return ['plugins', 'packages']
    .flatMap(parent =>
      readdirSync(join(root, parent), { withFileTypes: true })
        .filter(entry => entry.isDirectory())
        .map(entry => join(root, parent, entry.name)),
    )
    .flatMap(dir => {
      let manifest: Manifest;
      try {
        manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        return [];
      }
      return manifest.private ? [] : [{ name: manifest.name, dir, manifest }];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Builds every publishable package the way its `build` script says: the plugins with
 * `backstage-cli package build`, which takes their declarations from the repo's type check
 * (`dist-types`), so that runs first.
 */
export async function buildAll(
  root: string,
  workspaces: Workspace[],
): Promise<void> {
  const bin = (name: string) => join(root, 'node_modules/.bin', name);
  runChecked(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: root });
  await forEachWorkspace(workspaces, workspace =>
    runCheckedInParallel('yarn', ['run', 'build'], { cwd: workspace.dir }),
  );
}

function listTarball(tarball: string): string[] {
  return runChecked('tar', ['-tzf', tarball], { cwd: '/' })
    .split('\n')
    .filter(Boolean)
    .map(path => path.replace(/^package\//, ''));
}

function readPackedManifest(tarball: string): Manifest {
  return JSON.parse(
    runChecked('tar', ['-xzOf', tarball, 'package/package.json'], {
      cwd: '/',
    }),
  );
}

/** What is wrong with a packed package: files its manifest names that it lacks, sources left. */
export function packingProblems(pkg: PackedPackage): string[] {
  const problems: string[] = [];
  const { packed, files } = pkg;
  const named: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === 'string') named.push(value);
    else if (value && typeof value === 'object')
      // the `backstage` condition names the kind of feature an entry point exports, not a file
      for (const [key, inner] of Object.entries(value))
        if (key !== 'backstage') collect(inner);
  };
  collect({
    main: packed.main,
    types: packed.types,
    module: packed.module,
    exports: packed.exports,
    typesVersions: packed.typesVersions,
    configSchema: packed.configSchema,
  });
  for (const path of named) {
    const file = path.replace(/^\.\//, '');
    if (/\.tsx?$/.test(file) && !file.endsWith('.d.ts'))
      problems.push(`${pkg.name}: the packed manifest still names ${path}`);
    else if (!files.includes(file))
      problems.push(`${pkg.name}: names ${path}, which the tarball lacks`);
  }
  if (!packed.types?.endsWith('.d.ts'))
    problems.push(`${pkg.name}: no declarations (types: ${packed.types})`);
  for (const [dep, range] of Object.entries(packed.dependencies ?? {}))
    if (range.startsWith('workspace:'))
      problems.push(`${pkg.name}: dependency ${dep} is still ${range}`);
  return problems;
}

/** Packs each workspace with `yarn pack` into `outDir`; returns what each tarball holds. */
export async function packAll(
  workspaces: Workspace[],
  outDir: string,
): Promise<PackedPackage[]> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  return forEachWorkspace(workspaces, async workspace => {
    const tarball = join(
      outDir,
      `${workspace.name.replace(/^@/, '').replace('/', '-')}.tgz`,
    );
    try {
      await runCheckedInParallel('yarn', ['pack', '--out', tarball], {
        cwd: workspace.dir,
      });
    } finally {
      // `backstage-cli package prepack` rewrites package.json for the tarball and keeps the
      // original beside it; a pack that fails before postpack must not leave it rewritten
      const backup = join(workspace.dir, 'package.json-prepack');
      if (existsSync(backup))
        renameSync(backup, join(workspace.dir, 'package.json'));
    }
    return {
      ...workspace,
      tarball,
      packed: readPackedManifest(tarball),
      files: listTarball(tarball),
    };
  });
}
