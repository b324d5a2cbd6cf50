/**
 * The README's test command: installs what the tests need, type-checks, then runs every suite
 * against real PostgreSQL, Redis, NATS and Chromium. Prints one closing line with the totals.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureServerBinaries, ensureServices } from './lib/services.js';
import { aptInstall, log, setUp } from './lib/system.js';

const root = resolve(import.meta.dirname, '..');
const cache = join(root, '.cache');
mkdirSync(cache, { recursive: true });

await setUp(async () => {
  ensureServerBinaries();
  if (!existsSync('/usr/bin/chromium')) aptInstall(['chromium'], 'the browser tests');
  await ensureServices(['postgres'], join(cache, 'services'));
});

interface Totals {
  passed: number;
  failed: number;
}
const totals: Totals = { passed: 0, failed: 0 };
const failedSteps: string[] = [];

function step(name: string, command: string, args: string[], count?: () => Totals): void {
  log(`── ${name}`);
  const started = Date.now();
  const { status } = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } });
  const counted = count?.();
  if (counted) {
    totals.passed += counted.passed;
    totals.failed += counted.failed;
  } else if (status === 0) totals.passed += 1;
  else totals.failed += 1;
  if (status !== 0) failedSteps.push(name);
  log(`── ${name}: ${status === 0 ? 'ok' : `FAILED (exit ${status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Reads the pass/fail counts from a TAP file written by node's test runner. */
function tapTotals(file: string): () => Totals {
  return () => {
    const tap = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const read = (key: string) => Number(tap.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
    return { passed: read('pass'), failed: read('fail') + read('cancelled') };
  };
}

function nodeTests(name: string, pattern: string[]): void {
  const tap = join(cache, `${name.replace(/\W+/g, '-')}.tap`);
  rmSync(tap, { force: true });
  step(name, process.execPath, [
    '--conditions=source', '--import', 'tsx', '--test', '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...pattern,
  ], tapTotals(tap));
}

const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.some(o => name.includes(o));

if (wanted('types')) step('type check of the services (tsc -b)', join(root, 'node_modules/.bin/tsc'), ['-b', 'tsconfig.services.json']);
if (wanted('types')) step('type check of scripts, tests and benchmarks', join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.scripts.json']);
if (wanted('types')) step('type check of the cloud sandbox (tsc -p packages/cloud-sandbox)', join(root, 'node_modules/.bin/tsc'), ['-p', 'packages/cloud-sandbox', '--noEmit']);
// the cloud emulators write which API operations the unit tests exercised; start afresh, print the table after
if (wanted('unit')) rmSync(join(cache, 'contract-coverage'), { recursive: true, force: true });
if (wanted('unit')) nodeTests('unit tests', ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'scripts/**/*.test.ts']);
if (wanted('unit')) spawnSync(process.execPath, ['--import', 'tsx', 'packages/cloud-sandbox/src/cli.ts', 'coverage'], { cwd: root, stdio: 'inherit' });
if (wanted('voting')) nodeTests('voting stack tests', ['test/voting/**/*.test.ts']);
// The Backstage portal (packages/app, packages/backend, plugins/*): lint, types, jest, then the
// real backend process with the built frontend, over HTTP and in Chromium.
if (wanted('backstage lint')) step('backstage lint (backstage-cli repo lint)', join(root, 'node_modules/.bin/backstage-cli'), ['repo', 'lint']);
if (wanted('backstage types')) step('backstage types (tsc -p tsconfig.json)', join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json']);
if (wanted('backstage unit')) {
  const report = join(cache, 'backstage-jest.json');
  rmSync(report, { force: true });
  // CI=true: jest runs every suite once instead of watching changed files.
  step('backstage unit tests (backstage-cli repo test)', 'env', ['CI=true', 'nice', '-n', '10', join(root, 'node_modules/.bin/backstage-cli'), 'repo', 'test', '--ci', '--json', `--outputFile=${report}`], () => {
    if (!existsSync(report)) return { passed: 0, failed: 1 };
    const { numPassedTests, numFailedTests, numRuntimeErrorTestSuites } = JSON.parse(readFileSync(report, 'utf8'));
    return { passed: numPassedTests, failed: numFailedTests + numRuntimeErrorTestSuites };
  });
}
if (wanted('portal')) nodeTests('portal tests (backend, catalog, scaffolder, Chromium)', ['test/portal/**/*.test.ts']);

if (wanted('kubernetes control plane tests')) {
  // Builds kube-apiserver & co. from the Go module proxy when missing (cached outside the repo,
  // see test/k8s/README.md), installs the pinned Helm, then runs the tests against them.
  const failedBefore = failedSteps.length;
  step('kubernetes control plane build (cached)', 'nice', ['-n', '10', 'bash', 'test/k8s/build.sh']);
  step('helm install (cached)', 'bash', ['test/k8s/install-helm.sh']);
  if (failedSteps.length === failedBefore) nodeTests('kubernetes control plane tests', ['test/k8s/**/*.test.ts']);
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
if (failedSteps.length > 0) {
  log(`failed: ${failedSteps.join(', ')}`);
  process.exit(1);
}
