/**
 * The plugins as a platform team gets them, checked outside this monorepo: every publishable
 * package is built and packed; a new app comes from the current `@backstage/create-app` (from
 * the npm registry); the tarballs go in as `file:` dependencies and are added the way the root
 * README says; the app's backend must list every action of our scaffolder modules and answer on
 * the voting routes, and its frontend must build with the voting feature.
 *
 * The app is made afresh each run (in .cache/fresh-app); only its node_modules and yarn.lock
 * are kept between runs (in ~/.cache/voting-platform/fresh-app-install, shared by every clone),
 * so that a warm run installs just our changed tarballs.
 *   node --import tsx scripts/fresh-app.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitUntil } from '@voting-platform/timing';
import { freePort } from '../test/support/ports.js';
import {
  buildAll,
  packAll,
  packingProblems,
  type PackedPackage,
  publishableWorkspaces,
  runChecked,
} from './lib/packing.js';
import { log } from './lib/system.js';

const root = resolve(import.meta.dirname, '..');
const cache = join(root, '.cache');
const appDir = join(cache, 'fresh-app');
// outside the clone, like the control plane's build: every clone on the machine (CI's included)
// reuses the install
const keptInstall = join(
  process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
  'voting-platform/fresh-app-install',
);

/** A rename, or a copy where the two folders are on different file systems. */
function move(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    rmSync(from, { recursive: true, force: true });
  }
}
const tarballs = join(cache, 'fresh-app-tarballs');
// what a warm run takes over from the last one; without Yarn's install state it would compile
// better-sqlite3 again
const KEPT = ['node_modules', 'yarn.lock', '.yarn/install-state.gz'];
const problems: string[] = [];
const timings: string[] = [];

async function timed<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  const started = Date.now();
  log(`${what}…`);
  const value = await fn();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  timings.push(`${what}: ${seconds} s`);
  log(`${what}: ${seconds} s`);
  return value;
}

function editJson(file: string, edit: (json: any) => void): void {
  const json = JSON.parse(readFileSync(file, 'utf8'));
  edit(json);
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

/** The ids of the actions our scaffolder modules register, read from their sources. */
function ourActionIds(): string[] {
  const ids: string[] = [];
  for (const module of readdirSync(join(root, 'plugins')).filter(name =>
    name.startsWith('scaffolder-backend-module-'),
  )) {
    const dir = join(root, 'plugins', module, 'src/actions');
    for (const file of readdirSync(dir).filter(
      name => name.endsWith('.ts') && !/\.(test|examples)\.ts$/.test(name),
    )) {
      const source = readFileSync(join(dir, file), 'utf8');
      for (const match of source.matchAll(
        /createTemplateAction\(\{\s*id:\s*'([^']+)'/g,
      ))
        ids.push(match[1]!);
    }
  }
  return ids.sort();
}

/** The app, made by create-app, with our packages added as the root README tells teams to. */
function createApp(packed: PackedPackage[], version: string): void {
  rmSync(appDir, { recursive: true, force: true });
  runChecked(
    'npm',
    [
      'exec',
      '--yes',
      `--package=@backstage/create-app@${version}`,
      '--',
      'backstage-create-app',
      '--skip-install',
      '--path',
      appDir,
    ],
    // create-app asks for a name unless this says it
    {
      cwd: cache,
      env: { ...process.env, BACKSTAGE_APP_NAME: 'fresh-app' },
    },
  );
  const fileDep = (name: string) =>
    `file:${packed.find(p => p.name === name)!.tarball}`;
  // Our packages depend on each other by version; the registry does not have them, so every
  // one of them resolves to its tarball.
  editJson(join(appDir, 'package.json'), json => {
    for (const pkg of packed)
      json.resolutions[pkg.name] = `file:${pkg.tarball}`;
  });
  // create-app's template pins backend-defaults ^0.18 while its other backend plugins resolve to
  // releases that need the current one (signals-backend 0.3.21 calls
  // httpRouter.addWebSocketHandler, new in 0.19); the seed lockfile that would hold them back is
  // fetched from GitHub, out of reach here. So the app gets the current backend-defaults.
  const backendDefaults = runChecked(
    'npm',
    ['view', '@backstage/backend-defaults', 'version'],
    { cwd: '/' },
  ).trim();
  const backendPlugins = packed
    .filter(p => /^backend-plugin/.test(p.manifest.backstage?.role ?? ''))
    .map(p => p.name);
  editJson(join(appDir, 'packages/backend/package.json'), json => {
    json.dependencies['@backstage/backend-defaults'] = `^${backendDefaults}`;
    for (const name of backendPlugins) json.dependencies[name] = fileDep(name);
  });
  const backendIndex = join(appDir, 'packages/backend/src/index.ts');
  writeFileSync(
    backendIndex,
    readFileSync(backendIndex, 'utf8')
      // our permission module is the policy; a backend takes one (the README says: in place of
      // another policy), and create-app's template installs allow-all
      .replace(
        /backend\.add\(\s*import\('@backstage\/plugin-permission-backend-module-allow-all-policy'\),?\s*\);/,
        '',
      )
      .replace(
        'backend.start();',
        `${backendPlugins
          .map(name => `backend.add(import('${name}'));`)
          .join('\n')}\n\nbackend.start();`,
      ),
  );
  editJson(join(appDir, 'packages/app/package.json'), json => {
    json.dependencies['@voting-platform/plugin-voting'] = fileDep(
      '@voting-platform/plugin-voting',
    );
  });
  const appTsx = join(appDir, 'packages/app/src/App.tsx');
  const app = readFileSync(appTsx, 'utf8');
  if (!app.includes('features: [catalogPlugin'))
    throw new Error(
      `create-app ${version}'s App.tsx changed shape; this test adds the voting feature to its createApp({ features })`,
    );
  writeFileSync(
    appTsx,
    `import votingPlugin from '@voting-platform/plugin-voting/alpha';\n${app.replace(
      'features: [catalogPlugin',
      'features: [votingPlugin, catalogPlugin',
    )}`,
  );
}

function install(): void {
  // the previous run's install, so that only changed packages are fetched and linked again
  for (const name of KEPT)
    if (existsSync(join(keptInstall, name)))
      move(join(keptInstall, name), join(appDir, name));
  runChecked('yarn', ['install'], {
    cwd: appDir,
    // the app's lockfile changes with our tarballs, which CI mode forbids
    env: { ...process.env, CI: '', YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' },
    timeoutMs: 20 * 60_000,
  });
}

function keepInstall(): void {
  rmSync(keptInstall, { recursive: true, force: true });
  mkdirSync(join(keptInstall, '.yarn'), { recursive: true });
  for (const name of KEPT)
    if (existsSync(join(appDir, name)))
      move(join(appDir, name), join(keptInstall, name));
}

/** A result service as the voting backend reads it: one poll's tallies. */
async function startResultService() {
  const body = JSON.stringify({
    poll: 'fresh-app',
    question: 'Cats or dogs?',
    total: 3,
    options: [
      { id: 'a', label: 'Cats', votes: 2, percent: 66.7 },
      { id: 'b', label: 'Dogs', votes: 1, percent: 33.3 },
    ],
  });
  const server = createServer((req, res) => {
    if (req.url === '/api/results') {
      res.setHeader('content-type', 'application/json');
      res.end(body);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise(done => server.close(done)),
  };
}

function startBackend(configFile: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--require',
      join(appDir, 'node_modules/@backstage/cli-node/config/nodeTransform.cjs'),
      'src/index.ts',
      '--config',
      '../../app-config.yaml',
      '--config',
      configFile,
    ],
    {
      cwd: join(appDir, 'packages/backend'),
      env: { ...process.env, NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
}

async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise(done => child.once('exit', done));
  process.kill(-child.pid!, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function checkBackend(): Promise<void> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const token = randomBytes(24).toString('hex');
  const results = await startResultService();
  const entities = join(appDir, 'voting-entity.yaml');
  writeFileSync(
    entities,
    [
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata:',
      '  name: fresh-app-voting',
      '  annotations:',
      `    voting-platform.io/result-url: ${results.url}`,
      'spec:',
      '  type: service',
      '  lifecycle: experimental',
      '  owner: guests',
      '',
    ].join('\n'),
  );
  const configFile = join(appDir, 'app-config.fresh-app-test.yaml');
  writeFileSync(
    configFile,
    JSON.stringify({
      app: { baseUrl },
      backend: {
        baseUrl,
        listen: { port, host: '127.0.0.1' },
        cors: { origin: baseUrl },
        database: { client: 'better-sqlite3', connection: ':memory:' },
        auth: {
          externalAccess: [
            {
              type: 'static',
              options: { token, subject: 'fresh-app-test' },
            },
          ],
        },
      },
      catalog: {
        locations: [{ type: 'file', target: entities }],
      },
      voting: { allowedResultHosts: [new URL(results.url).host] },
      // the permission module refuses to start without its platform group, as the README says
      votingPlatform: {
        permissions: { platformGroup: 'group:default/platform-team' },
      },
    }),
  );
  const backend = startBackend(configFile);
  // what the backend says, but for the access log of this script's own readiness polling
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk
      .toString()
      .split('\n')
      .filter(line => !line.includes('/.backstage/health/'))
      .join('\n');
  };
  backend.stdout!.on('data', keep);
  backend.stderr!.on('data', keep);
  const call = (path: string) =>
    fetch(`${baseUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  try {
    await timed('the fresh backend starts', () =>
      waitUntil(
        async () => {
          if (backend.exitCode !== null)
            throw new Error(`the backend exited (${backend.exitCode})`);
          const res = await fetch(
            `${baseUrl}/.backstage/health/v1/readiness`,
          ).catch(() => undefined);
          return res?.ok || undefined;
        },
        {
          timeoutMs: 180_000,
          intervalMs: 500,
          timeoutMessage: () => 'the backend was not ready within 180 s',
        },
      ),
    );
    const res = await call('/api/scaffolder/v2/actions');
    if (!res.ok)
      problems.push(`GET /api/scaffolder/v2/actions answered ${res.status}`);
    else {
      const listed = new Set(
        ((await res.json()) as { id: string }[]).map(action => action.id),
      );
      const expected = ourActionIds();
      if (expected.length === 0)
        problems.push('found no actions in the modules sources');
      const missing = expected.filter(id => !listed.has(id));
      if (missing.length > 0)
        problems.push(`actions not listed: ${missing.join(', ')}`);
      else log(`all ${expected.length} actions of our modules are listed`);
    }
    // the catalog reads the location in the background: wait for the entity to be there
    const tallies = await waitUntil(
      async () => {
        const answer = await call(
          '/api/voting/entities/component/default/fresh-app-voting/results',
        );
        return answer.status === 404 ? undefined : answer;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        timeoutMessage: () =>
          'the voting route answered 404 for a minute: the entity never reached the catalog',
      },
    );
    const tallyBody = await tallies.text();
    if (tallies.status !== 200 || !tallyBody.includes('"Cats or dogs?"'))
      problems.push(
        `GET /api/voting/entities/…/results answered ${
          tallies.status
        }: ${tallyBody.slice(0, 300)}`,
      );
    else log('the voting backend answers with the tallies of the entity');
    const unknown = await call(
      '/api/voting/entities/component/default/no-such-entity/results',
    );
    if (unknown.status !== 404)
      problems.push(
        `the voting route answered ${unknown.status} for an unknown entity (404 expected)`,
      );
  } catch (error) {
    problems.push(
      `${(error as Error).message}\nbackend output:\n${output.slice(-4000)}`,
    );
  } finally {
    await stopProcessGroup(backend);
    await results.close();
  }
}

function checkFrontendBundle(): void {
  runChecked('yarn', ['build'], {
    cwd: join(appDir, 'packages/app'),
    timeoutMs: 15 * 60_000,
  });
  const dist = join(appDir, 'packages/app/dist/static');
  const bundled = readdirSync(dist)
    .filter(name => name.endsWith('.js'))
    .some(name =>
      readFileSync(join(dist, name), 'utf8').includes('voting-platform.io/'),
    );
  if (!bundled)
    problems.push(
      'the frontend bundle holds nothing of the voting plugin (no voting-platform.io annotation)',
    );
}

const started = Date.now();
const cold = !existsSync(join(keptInstall, 'node_modules'));
try {
  const workspaces = publishableWorkspaces(root);
  await timed(`build ${workspaces.length} publishable packages`, () =>
    buildAll(root, workspaces),
  );
  const packed = await timed('pack them', () => packAll(workspaces, tarballs));
  problems.push(...packed.flatMap(packingProblems));
  const version = runChecked(
    'npm',
    ['view', '@backstage/create-app', 'version'],
    {
      cwd: '/',
    },
  ).trim();
  await timed(`create an app with @backstage/create-app ${version}`, () =>
    createApp(packed, version),
  );
  await timed(`yarn install in the app (${cold ? 'cold' : 'warm'})`, install);
  await checkBackend();
  await timed(
    'build its frontend with the voting feature',
    checkFrontendBundle,
  );
} catch (error) {
  problems.push((error as Error).message);
} finally {
  keepInstall();
}
timings.push(
  `total (${cold ? 'cold' : 'warm'}): ${((Date.now() - started) / 1000).toFixed(
    0,
  )} s`,
);
console.log(timings.join('\n'));
if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
log('the packed plugins work in a fresh Backstage app');
