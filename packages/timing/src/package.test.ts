/**
 * How other packages load this one: jest and Backstage's backend with require() from the
 * TypeScript sources, tests and scripts with the `source` condition, and the voting services'
 * production image as plain Node ESM from the `tsc -b` output.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const pkgDir = join(__dirname, '..');
const repoRoot = join(pkgDir, '../..');

function runNode(args: string[]): string {
  const out = spawnSync(process.execPath, args, {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.trim();
}

describe('package shape', () => {
  it('is a CommonJS node-library whose exports lead CommonJS loaders to the sources and plain Node to dist', () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    assert.equal(pkg.name, '@voting-platform/timing');
    assert.equal(pkg.type, undefined);
    assert.deepEqual(pkg.backstage, { role: 'node-library' });
    assert.deepEqual(pkg.exports['.'], {
      source: './src/index.ts',
      types: './src/index.ts',
      require: './src/index.ts',
      default: './dist/index.js',
    });
    assert.deepEqual(
      Object.keys(pkg.dependencies),
      ['p-retry'],
      'nothing from Backstage',
    );
  });

  it('loads with require() from the sources, as jest and the backend do', () => {
    const script = `const t = require('@voting-platform/timing'); console.log(require.resolve('@voting-platform/timing').endsWith('src/index.ts'), typeof t.retry, typeof t.waitUntil, new t.ManualClock(5).now())`;
    assert.equal(
      runNode(['--require', 'tsx/cjs', '-e', script]),
      'true function function 5',
    );
  });

  it('imports from dist in plain Node ESM, as the services do in their image', () => {
    const tsc = spawnSync(
      join(repoRoot, 'node_modules/.bin/tsc'),
      ['-b', 'packages/timing'],
      { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    const script = `import { sleep, retry, realClock } from '@voting-platform/timing'; await sleep(1); console.log(import.meta.resolve('@voting-platform/timing').endsWith('dist/index.js'), typeof retry, typeof realClock.now)`;
    assert.equal(
      runNode(['--input-type=module', '-e', script]),
      'true function function',
    );
  });
});
