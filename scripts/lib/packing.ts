/**
 * The publishable packages as a registry would serve them: built, packed by Yarn (which runs
 * each package's `prepack`, `backstage-cli package prepack` for the plugins, and turns
 * `workspace:^` into real ranges) and checked: every file the manifest points at is in the
 * tarball, and nothing still points at TypeScript sources.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
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
    throw new Error(
      `${command} ${args.join(' ')} (in ${options.cwd}) failed (${
        result.error?.message ?? result.signal ?? `exit ${result.status}`
      }):\n${output.slice(-6000)}`,
    );
  return output;
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
export function buildAll(root: string, workspaces: Workspace[]): void {
  const bin = (name: string) => join(root, 'node_modules/.bin', name);
  runChecked(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: root });
  for (const workspace of workspaces)
    runChecked('yarn', ['run', 'build'], { cwd: workspace.dir });
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
export function packAll(
  workspaces: Workspace[],
  outDir: string,
): PackedPackage[] {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  return workspaces.map(workspace => {
    const tarball = join(
      outDir,
      `${workspace.name.replace(/^@/, '').replace('/', '-')}.tgz`,
    );
    try {
      runChecked('yarn', ['pack', '--out', tarball], { cwd: workspace.dir });
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
