import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sleep } from '@voting-platform/timing';
import { findMarked } from './processes.js';
import { StepRunner } from './steps.js';

const root = resolve(import.meta.dirname, '../..');
/** The runner's own lines, kept out of the test output (they would read like failures of this run). */
const quiet = () => {};
const outputs = mkdtempSync(join(tmpdir(), 'steps-test-'));

/** Processes whose command line holds `tag` (a unique sleep duration). */
function running(tag: string): number[] {
  const found = spawnSync('pgrep', ['-f', tag], {
    encoding: 'utf8',
  }).stdout.trim();
  return found ? found.split('\n').map(Number) : [];
}

async function gone(tag: string, withinMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (running(tag).length > 0 && Date.now() < deadline) await sleep(100);
  return running(tag).length === 0;
}

describe('StepRunner', () => {
  it('records a clean step as ok with its time', async () => {
    const runner = new StepRunner(root, quiet);
    const result = await runner.run('true', 'true', [], { timeoutMs: 10_000 });
    assert.equal(result?.ok, true);
    assert.equal(result?.code, 0);
    assert.match(runner.summary(), /^true\s+\d+\.\d s {2}ok$/m);
  });

  it('fails a step that leaves a daemon behind, names it, and stops it', async () => {
    const runner = new StepRunner(root, quiet);
    // setsid: a new session, so neither the process group nor the parent still holds it.
    const result = await runner.run(
      'leaky',
      'bash',
      ['-c', 'setsid sleep 301.11 </dev/null >/dev/null 2>&1 & exit 0'],
      { timeoutMs: 10_000 },
    );
    assert.equal(result?.code, 0);
    assert.equal(result?.ok, false);
    assert.match(result?.problem ?? '', /left 1 process\(es\) running/);
    assert.equal(await gone('sleep 301.11'), true);
    assert.deepEqual(findMarked(runner.runId), []);
  });

  it('ends a step at its time limit, with every process of its group', async () => {
    const runner = new StepRunner(root, quiet);
    const started = Date.now();
    const result = await runner.run(
      'slow',
      'bash',
      ['-c', 'sleep 301.22 & sleep 301.22; wait'],
      { timeoutMs: 500 },
    );
    assert.equal(result?.ok, false);
    assert.equal(result?.code, null);
    assert.match(result?.problem ?? '', /time limit of 0.5 s reached/);
    assert.ok(Date.now() - started < 20_000);
    assert.equal(await gone('sleep 301.22'), true);
  });

  it('runs a background step beside the others: their sweeps leave it alone, its own sweep and the final one do not', async () => {
    const runner = new StepRunner(root, quiet);
    const build = runner.start(
      'background build',
      'bash',
      ['-c', 'setsid sleep 301.55 </dev/null >/dev/null 2>&1 & sleep 2'],
      { timeoutMs: 10_000, outputFile: join(outputs, 'build.log') },
    );
    for (let i = 0; i < 100 && running('sleep 301.55').length === 0; i++)
      await sleep(100);
    // a foreground step that ends while the background step still runs: its sweep stops nothing
    const meanwhile = await runner.run('meanwhile', 'true', [], {
      timeoutMs: 10_000,
    });
    assert.equal(meanwhile?.ok, true);
    const result = await build.result;
    assert.equal(result?.code, 0);
    assert.equal(result?.ok, false);
    assert.match(result?.problem ?? '', /left 1 process\(es\) running/);
    assert.equal(await gone('sleep 301.55'), true);
    assert.match(runner.summary(), /^background build\s+\d+\.\d s {2}FAILED/m);

    // one still running at the end is found by the final sweep
    const late = runner.start('late', 'bash', ['-c', 'sleep 301.66'], {
      timeoutMs: 60_000,
      outputFile: join(outputs, 'late.log'),
    });
    for (let i = 0; i < 100 && running('sleep 301.66').length === 0; i++)
      await sleep(100);
    assert.equal((await runner.sweep()).length, 1);
    assert.equal(await gone('sleep 301.66'), true);
    assert.equal((await late.result)?.ok, false);
  });

  it("keeps a background step's output in its file and prints it in one block when it ends", async () => {
    const lines: string[] = [];
    const runner = new StepRunner(
      root,
      line => lines.push(`log: ${line}`),
      output => lines.push(`output: ${output}`),
    );
    const outputFile = join(outputs, 'chatty.log');
    const chatty = runner.start(
      'chatty',
      'bash',
      ['-c', 'echo one; sleep 1; echo two >&2; echo three'],
      { timeoutMs: 10_000, outputFile },
    );
    // a foreground step meanwhile: its lines are the runner's only, none of the background's
    await runner.run('meanwhile', 'true', [], { timeoutMs: 10_000 });
    assert.ok(!lines.some(line => line.startsWith('output:')));
    assert.equal((await chatty.result)?.ok, true);
    assert.equal(readFileSync(outputFile, 'utf8'), 'one\ntwo\nthree\n');
    const printed = lines.findIndex(line => line.startsWith('output:'));
    assert.equal(lines[printed], 'output: one\ntwo\nthree\n');
    assert.match(lines[printed - 1] ?? '', /── chatty: its output/);
    assert.equal(lines.filter(line => line.startsWith('output:')).length, 1);
  });

  it('reports a set-up step that throws, with its message', async () => {
    const runner = new StepRunner(root, quiet);
    const ok = await runner.setUp('broken set-up', () => {
      throw new Error('needs something');
    });
    assert.equal(ok, false);
    assert.match(runner.summary(), /broken set-up .* FAILED: failed/);
  });

  it('on SIGINT stops the running step and everything it started, then the caller ends', async () => {
    const steps = resolve(import.meta.dirname, 'steps.ts');
    const driver = `
      import { StepRunner } from ${JSON.stringify(steps)};
      const runner = new StepRunner(process.cwd());
      runner.handleSignals();
      // the durations are built here, so that this driver's own command line does not match them
      const daemon = 'sleep 301.' + '33', foreground = 'sleep 301.' + '44';
      await runner.run('long', 'bash', ['-c', \`setsid \${daemon} </dev/null >/dev/null 2>&1 & \${foreground}\`], { timeoutMs: 60_000 });
      console.log(runner.interrupted ?? 'not interrupted');`;
    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        driver,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', chunk => (output += chunk));
    child.stderr.on('data', chunk => (output += chunk));
    const exited = new Promise(resolveExit => child.once('exit', resolveExit));
    for (let i = 0; i < 100 && running('sleep 301.44').length === 0; i++)
      await sleep(100);
    assert.ok(
      running('sleep 301.33').length > 0,
      `the step did not start:\n${output}`,
    );
    child.kill('SIGINT');
    await exited;
    assert.match(output, /SIGINT/);
    assert.equal(await gone('sleep 301.33'), true, output);
    assert.equal(await gone('sleep 301.44'), true, output);
  });
});
