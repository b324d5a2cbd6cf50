/**
 * The README's test command. First every set-up the suites need (Chromium, the local servers, the
 * Kubernetes control plane, Helm, the portal's frontend), each as a timed step of its own, so
 * that no test hook ever builds anything; then type checks, lint and every suite against real
 * PostgreSQL, Redis, NATS, Kubernetes and Chromium. Nothing outlives it: each step runs in its own
 * process group with a time limit and is followed by a sweep for processes it left running
 * (which fails it). What only waits runs in the background beside the rest (the control plane's
 * build and Helm from the start, the journey beside the other end-to-end suites), its output kept
 * in a file and printed in one block when it ends. Ctrl-C stops the running steps and everything
 * they started. Ends with a table of the steps' times and one closing line of totals.
 *   npm test                   everything
 *   npm test -- voting portal  only the steps whose names contain one of the words
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureFrontendBuilt } from './lib/portal.js';
import { ensureServerBinaries, ensureServices } from './lib/services.js';
import { type CommandResult, StepRunner } from './lib/steps.js';
import { aptInstall, log } from './lib/system.js';

const root = resolve(import.meta.dirname, '..');
const cache = join(root, '.cache');
mkdirSync(cache, { recursive: true });
const bin = (name: string) => join(root, 'node_modules/.bin', name);
const minutes = (n: number) => n * 60_000;
/** A step's name as a file name. */
const slug = (name: string) => name.replace(/\W+/g, '-').replace(/-$/, '');
/** Where a background step's output goes (printed when it ends). */
const outputFile = (name: string) => join(cache, 'steps', `${slug(name)}.log`);

const only = process.argv.slice(2);
const wanted = (name: string) =>
  only.length === 0 || only.some(word => name.includes(word));

const runner = new StepRunner(root);
runner.handleSignals();
const totals = { passed: 0, failed: 0 };

/** A check that is not a test suite (a type check, lint) counts as one test. */
function countStep(
  result: CommandResult | undefined,
  counted?: { passed: number; failed: number },
): void {
  if (!result) return;
  if (counted) {
    totals.passed += counted.passed;
    // a suite that failed for another reason (a crash, a time limit, processes left running)
    // must not close on "0 failed"
    totals.failed += counted.failed > 0 || result.ok ? counted.failed : 1;
  } else if (result.ok) totals.passed += 1;
  else totals.failed += 1;
}

async function check(
  name: string,
  command: string,
  args: string[],
  timeoutMinutes = 10,
): Promise<void> {
  if (wanted(name))
    countStep(
      await runner.run(name, command, args, {
        timeoutMs: minutes(timeoutMinutes),
      }),
    );
}

/**
 * Runs jest as a step and counts its tests from jest's JSON report; a run that wrote no report
 * (it crashed or hit its time limit) counts as one failure. `background`: the step runs beside the
 * next ones (see below), and the returned promise settles once it has ended.
 */
async function jestTests(
  name: string,
  command: string[],
  timeoutMinutes: number,
  { background = false } = {},
): Promise<void> {
  if (!wanted(name)) return;
  const report = join(cache, `${slug(name)}.json`);
  rmSync(report, { force: true });
  const [executable, ...args] = command;
  const withReport = [...args, '--ci', '--json', `--outputFile=${report}`];
  // CI=true: jest runs every suite once instead of watching changed files.
  const options = {
    timeoutMs: minutes(timeoutMinutes),
    env: { CI: 'true', FORCE_COLOR: '0' },
  };
  const result = await (background
    ? runner.start(name, executable!, withReport, {
        ...options,
        outputFile: outputFile(name),
      }).result
    : runner.run(name, executable!, withReport, options));
  if (!existsSync(report)) {
    countStep(result, { passed: 0, failed: 1 });
    return;
  }
  const { numPassedTests, numFailedTests, numRuntimeErrorTestSuites } =
    JSON.parse(readFileSync(report, 'utf8'));
  countStep(result, {
    passed: numPassedTests,
    failed: numFailedTests + numRuntimeErrorTestSuites,
  });
}

/** A project of `jest.config.mjs` as `yarn jest` runs it, printing every test's name. */
const jestProject = (project: string): string[] => [
  process.execPath,
  '--conditions=source',
  '--import',
  'tsx',
  bin('jest'),
  '--config',
  'jest.config.mjs',
  '--selectProjects',
  project,
  '--verbose',
];

// The suites' steps, by name: a set-up runs when a suite that needs it will run, whichever word
// selected that suite (`npm test -- "unit tests"` selects the Backstage suite too).
const suites = {
  unit: 'unit tests',
  voting: 'voting stack tests',
  backstage: 'backstage unit tests (backstage-cli repo test)',
  portal: 'portal tests (backend, catalog, scaffolder, Chromium)',
  kubernetes: 'kubernetes control plane tests',
  sandbox: 'kubernetes sandbox tests (npm start without cloud credentials)',
  journey: 'journey tests (create and tear down templates on sandbox mode)',
};

// ── set-up: everything the suites below need, before any of them starts ──────────────────────
const needsKubernetes =
  wanted(suites.backstage) ||
  wanted(suites.kubernetes) ||
  wanted(suites.sandbox) ||
  wanted(suites.journey);
const needsBrowser =
  wanted(suites.voting) || wanted(suites.portal) || wanted(suites.journey);
let stopStartedServices = () => {};
const setUpOk = [
  await runner.setUp('set-up: server binaries (PostgreSQL, Redis, NATS)', () =>
    ensureServerBinaries(),
  ),
  !needsBrowser ||
    (await runner.setUp(
      'set-up: Chromium',
      () =>
        existsSync('/usr/bin/chromium') ||
        aptInstall(['chromium'], 'the browser tests'),
    )),
  await runner.setUp('set-up: local PostgreSQL', async () => {
    stopStartedServices = await ensureServices(
      ['postgres'],
      join(cache, 'services'),
    );
  }),
].every(Boolean);
// Cold, the control plane takes minutes to build (it prints its progress); cached, no time. Both
// run in the background while the type checks, lint, unit and voting steps run, and are awaited
// before the first suite that needs them (or, when a set-up above failed, at the end). The Go build runs at the lowest priority (build.sh adds
// its own `nice -n 15`), so the checks meanwhile get the cores whenever they want them. A failed
// build fails its own step, and the suites that need it then fail at once saying why.
const background = (
  name: string,
  command: string,
  args: string[],
  timeoutMinutes: number,
) =>
  runner.start(name, command, args, {
    timeoutMs: minutes(timeoutMinutes),
    outputFile: outputFile(name),
  });
const kubernetesSetUp =
  needsKubernetes && setUpOk
    ? [
        background(
          'set-up: Kubernetes control plane (built once, cached)',
          'nice',
          ['-n', '10', 'bash', 'packages/local-kubernetes/build.sh'],
          40,
        ),
        background(
          'set-up: Helm (installed once, cached)',
          'bash',
          ['packages/local-kubernetes/install-helm.sh'],
          5,
        ),
      ]
    : [];
/** Waits for the background set-up (once it has ended, at once); says when it has to wait. */
async function kubernetesReady(): Promise<void> {
  const started = Date.now();
  const waiting = setTimeout(
    () => log('waiting for the Kubernetes set-up running in the background'),
    1_000,
  );
  await Promise.all(kubernetesSetUp.map(step => step.result));
  clearTimeout(waiting);
  const waited = Math.round((Date.now() - started) / 1000);
  if (waited > 0) log(`waited ${waited} s for the Kubernetes set-up`);
}
// the sandbox and journey suites start a portal backend too
if (wanted(suites.portal) || wanted(suites.sandbox) || wanted(suites.journey))
  await runner.setUp(
    'set-up: portal frontend bundle (built once per source change)',
    () => ensureFrontendBuilt(log),
  );

// ── checks and suites ─────────────────────────────────────────────────────────────────────────
/** The suites running in the background, for the end to wait out should the run end early. */
const backgroundSuites: Promise<void>[] = [];
// A throw here (a report jest wrote half of, a bug of this script) fails the run, but still ends
// with the background steps awaited and the sweep below, so that no build outlives the command.
try {
  if (setUpOk) await checksAndSuites();
} catch (error) {
  log(`npm test itself failed: ${(error as Error).stack ?? String(error)}`);
  runner.results.push({
    name: 'npm test itself',
    seconds: 0,
    ok: false,
    problem: (error as Error).message,
  });
  totals.failed += 1;
}

async function checksAndSuites(): Promise<void> {
  await check('types: services (tsc -b)', bin('tsc'), [
    '-b',
    'tsconfig.services.json',
  ]);
  await check('types: scripts, tests and benchmarks', bin('tsc'), [
    '-p',
    'tsconfig.scripts.json',
  ]);
  await check('types: cloud sandbox', bin('tsc'), [
    '-p',
    'packages/cloud-sandbox',
    '--noEmit',
  ]);
  // formatting is checked, not left to each editor: `yarn prettier --write .` fixes it
  await check(
    'lint: prettier --check (every file type it formats)',
    bin('prettier'),
    ['--check', '.'],
    5,
  );
  // every workspace with a lint script: the plugins, the portal, the services and their libraries
  await check(
    'lint: every workspace (backstage-cli repo lint)',
    bin('backstage-cli'),
    ['repo', 'lint'],
    15,
  );
  // the scripts, end-to-end tests and benchmarks are no workspaces: eslint over their folders
  await check(
    'lint: scripts, tests and benchmarks (eslint)',
    bin('eslint'),
    ['--ext', '.ts,.cjs', 'scripts', 'test', 'bench'],
    5,
  );
  // package.json metadata as `backstage-cli repo fix --publish` writes it (it fixes what this finds)
  await check(
    'lint: package metadata (backstage-cli repo fix --publish --check)',
    bin('backstage-cli'),
    ['repo', 'fix', '--publish', '--check'],
    2,
  );
  // the public surface of every published plugin package, checked in as report*.api.md: a change
  // of surface must come with its report. The reports are read from the declarations the type
  // check writes to dist-types (repo-tools' own --tsc flag passes options tsc -b refuses);
  // build:api-reports leaves out the undocumented-member warning and checks release tags.
  await check(
    'lint: API reports of the plugins (repo-tools api-reports --ci)',
    'sh',
    ['-c', `"${bin('tsc')}" -p tsconfig.json && yarn build:api-reports --ci`],
    10,
  );
  // the cloud emulators write which API operations the unit tests exercised; start afresh, print the table after
  if (wanted(suites.unit))
    rmSync(join(cache, 'contract-coverage'), { recursive: true, force: true });
  await jestTests(suites.unit, jestProject('unit'), 15);
  if (wanted(suites.unit))
    await runner.run(
      'contract coverage of the unit tests',
      process.execPath,
      ['--import', 'tsx', 'packages/cloud-sandbox/src/cli.ts', 'coverage'],
      { timeoutMs: minutes(1) },
    );
  await jestTests(suites.voting, jestProject('voting'), 20);
  // The Backstage portal (packages/app, packages/backend, plugins/*): types, jest, then the
  // real backend process with the built frontend, over HTTP and in Chromium.
  await check('backstage types (tsc -p tsconfig.json)', bin('tsc'), [
    '-p',
    'tsconfig.json',
  ]);
  // the first suite that needs the control plane and Helm
  if (needsKubernetes) await kubernetesReady();
  await jestTests(
    suites.backstage,
    ['nice', '-n', '10', bin('backstage-cli'), 'repo', 'test'],
    30,
  );
  // the plugins as another Backstage gets them: packed, installed into a new create-app app
  await check(
    'packages: build, pack and install into a fresh Backstage app',
    'nice',
    ['-n', '10', process.execPath, '--import', 'tsx', 'scripts/fresh-app.ts'],
    40,
  );
  // The last four suites mostly wait (on backends, control planes, pods, Chromium): the journey,
  // the longest, runs in the background beside the other three, which run one after the other.
  // They share nothing but read-only files (the frontend bundle, the control plane's binaries):
  // every server, sandbox, control plane and database prefix of theirs is their own, on free ports.
  // the templates end to end, as a person runs them: REST, dry run, Chromium, on sandbox mode
  const journey = jestTests(suites.journey, jestProject('journey'), 30, {
    background: true,
  });
  backgroundSuites.push(journey);
  await jestTests(suites.portal, jestProject('portal'), 15);
  await jestTests(suites.kubernetes, jestProject('kubernetes'), 15);
  // sandbox mode (npm start without cloud credentials): its clusters, databases, and the start itself
  await jestTests(suites.sandbox, jestProject('sandbox'), 20);
  await journey;
}

// ── nothing may outlive the command ───────────────────────────────────────────────────────────
// a background step not awaited above (a failed check or suite ended the run early) ends first
await kubernetesReady();
await Promise.allSettled(backgroundSuites);
stopStartedServices();
const survivors = await runner.sweep();
if (survivors.length > 0) {
  totals.failed += 1;
  runner.results.push({
    name: 'processes left running at the end',
    seconds: 0,
    ok: false,
    problem: `${survivors.length}, now stopped`,
  });
}

const bootstrapSeconds = Number(process.env.VOTING_BOOTSTRAP_SECONDS ?? NaN);
console.log(`\n${runner.summary()}`);
if (Number.isFinite(bootstrapSeconds))
  console.log(
    `(before these: toolchain and dependencies, ${bootstrapSeconds} s)`,
  );
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
const failed = runner.results.filter(r => !r.ok).map(r => r.name);
if (runner.interrupted) {
  log(`interrupted by ${runner.interrupted}; everything it started is stopped`);
  process.exit(130);
}
if (failed.length > 0) {
  log(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
