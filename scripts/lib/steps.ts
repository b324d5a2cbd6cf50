/**
 * Runs the steps of a long command (the README's test command) so that nothing outlives it:
 * each step runs in a process group of its own with a time limit, carries the run's marker in its
 * environment, and is followed by a sweep that stops and reports whatever it left running. Ctrl-C
 * (or SIGTERM from a CI runner) stops the current step, sweeps, and ends the run.
 *
 * A step may also run in the background (a long build that the first steps do not need): it
 * carries a marker of its own, so the sweeps of the steps that run meanwhile leave it alone; its
 * own sweep follows its end, Ctrl-C stops it with the current step, and the final sweep covers it.
 * Its output goes to a file, printed in one block when it ends, so that it does not interleave
 * with the foreground step's.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type MarkedProcess, RUN_MARKER, stopMarked } from './processes.js';
import { log as printLine } from './system.js';

export interface StepResult {
  name: string;
  seconds: number;
  ok: boolean;
  /** Why it failed: an exit code, a time limit, an interruption, processes left behind. */
  problem?: string;
}

export interface CommandResult extends StepResult {
  /** The command's exit code; null when it did not exit by itself. */
  code: number | null;
}

/** A step started with `start`: `result` settles once it has ended and been swept. */
export interface BackgroundStep {
  readonly name: string;
  readonly result: Promise<CommandResult | undefined>;
}

export interface StepOptions {
  /** Ends the step (its whole process group) after this long. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /**
   * The step's output goes to this file instead of the terminal, and is printed in one block when
   * the step ends (a background step's must be: it would interleave with the foreground's).
   */
  outputFile?: string;
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

export class StepRunner {
  readonly runId = randomUUID();
  readonly results: StepResult[] = [];
  private interruptedBy: NodeJS.Signals | undefined;
  private current: { pid: number; ended: Promise<unknown> } | undefined;
  /** The process groups of the background steps still running. */
  private readonly background = new Set<number>();
  /** The markers of every background step started, for the final sweep. */
  private readonly backgroundMarkers: string[] = [];

  /**
   * `log` prints the runner's own lines, `write` the output a step wrote to its `outputFile` (a
   * test collects them instead).
   */
  constructor(
    private readonly cwd: string,
    private readonly log: (message: string) => void = printLine,
    private readonly write: (output: string) => void = output =>
      process.stdout.write(output),
  ) {}

  /** The environment every step gets: the caller's, plus the run's marker. */
  get env(): NodeJS.ProcessEnv {
    return this.envMarked(this.runId);
  }

  private envMarked(marker: string): NodeJS.ProcessEnv {
    return { ...process.env, [RUN_MARKER]: marker };
  }

  get interrupted(): NodeJS.Signals | undefined {
    return this.interruptedBy;
  }

  /**
   * Forwards SIGINT, SIGTERM and SIGHUP to the process groups of the running step and of every
   * background step; a second signal kills them outright. The caller sees `interrupted` and stops
   * starting new steps.
   */
  handleSignals(): void {
    for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(name, () => {
        const again = this.interruptedBy !== undefined;
        this.interruptedBy ??= name;
        this.log(
          again
            ? `${name} again: killing the current step`
            : `${name}: stopping the running steps, then everything they started`,
        );
        for (const pid of [this.current?.pid, ...this.background])
          if (pid) this.killGroup(pid, again ? 'SIGKILL' : name);
      });
    }
  }

  private killGroup(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone already
    }
  }

  /** Runs one command as a step; a step that ends with processes still running has failed. */
  async run(
    name: string,
    command: string,
    args: string[],
    options: StepOptions,
  ): Promise<CommandResult | undefined> {
    if (this.interruptedBy) return undefined;
    this.log(`── ${name}`);
    return this.execute(name, command, args, options, this.runId, child => {
      this.current = { pid: child.pid, ended: child.ended };
      return () => (this.current = undefined);
    });
  }

  /**
   * Starts one command as a step in the background and returns at once; the caller awaits its
   * `result` before the first step that needs it. Its time counts from its start, and it is
   * recorded in the table when it ends. Its output goes to `options.outputFile`.
   */
  start(
    name: string,
    command: string,
    args: string[],
    options: StepOptions & { outputFile: string },
  ): BackgroundStep {
    if (this.interruptedBy) return { name, result: Promise.resolve(undefined) };
    this.log(
      `── ${name} (in the background; its output, printed when it ends, goes to ${options.outputFile})`,
    );
    const marker = `${this.runId}.${this.backgroundMarkers.length + 1}`;
    this.backgroundMarkers.push(marker);
    const result = this.execute(name, command, args, options, marker, child => {
      this.background.add(child.pid);
      return () => this.background.delete(child.pid);
    });
    return { name, result };
  }

  private async execute(
    name: string,
    command: string,
    args: string[],
    options: StepOptions,
    marker: string,
    track: (child: { pid: number; ended: Promise<unknown> }) => () => void,
  ): Promise<CommandResult> {
    const started = Date.now();
    const { outputFile } = options;
    if (outputFile) mkdirSync(dirname(outputFile), { recursive: true });
    const output = outputFile ? openSync(outputFile, 'w') : 'inherit';
    // detached: a process group of its own, so a time limit or Ctrl-C reaches every process in it.
    const child = spawn(command, args, {
      cwd: this.cwd,
      stdio: ['ignore', output, output],
      env: { ...this.envMarked(marker), ...options.env },
      detached: true,
    });
    const ended = new Promise<{ code: number | null; error?: Error }>(
      resolve => {
        child.once('exit', code => resolve({ code }));
        child.once('error', error => resolve({ code: null, error }));
      },
    );
    const untrack = track({ pid: child.pid ?? 0, ended });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.log(
        `${name}: still running after ${
          options.timeoutMs / 1000
        } s, its time limit; stopping it`,
      );
      this.killGroup(child.pid ?? 0, 'SIGTERM');
      setTimeout(
        () => this.killGroup(child.pid ?? 0, 'SIGKILL'),
        10_000,
      ).unref();
    }, options.timeoutMs);
    const { code, error } = await ended;
    clearTimeout(timer);
    untrack();
    if (outputFile) {
      closeSync(output as number);
      this.log(`── ${name}: its output (${outputFile})`);
      this.write(readFileSync(outputFile, 'utf8'));
    }
    const leftovers = await this.sweepMarked(marker);
    let problem: string | undefined;
    if (error) problem = `could not start: ${error.message}`;
    else if (this.interruptedBy)
      problem = `interrupted (${this.interruptedBy})`;
    else if (timedOut)
      problem = `time limit of ${options.timeoutMs / 1000} s reached`;
    else if (code !== 0) problem = `exit ${code}`;
    if (leftovers.length > 0)
      problem = [problem, `left ${leftovers.length} process(es) running`]
        .filter(Boolean)
        .join('; ');
    return {
      ...this.record(name, started, problem),
      code: timedOut || this.interruptedBy ? null : code,
    };
  }

  /** Runs an in-process set-up step (e.g. an apt install) with the same timing and report. */
  async setUp(name: string, action: () => unknown): Promise<boolean> {
    if (this.interruptedBy) return false;
    this.log(`── ${name}`);
    const started = Date.now();
    try {
      await action();
      this.record(name, started, undefined);
      return true;
    } catch (error) {
      for (const line of String((error as Error).message).split('\n'))
        this.log(line);
      this.record(name, started, 'failed');
      return false;
    }
  }

  private record(
    name: string,
    started: number,
    problem: string | undefined,
  ): StepResult {
    const result: StepResult = {
      name,
      seconds: seconds(started),
      ok: problem === undefined,
      problem,
    };
    this.results.push(result);
    this.log(
      `── ${name}: ${result.ok ? 'ok' : `FAILED (${problem})`} in ${
        result.seconds
      } s`,
    );
    return result;
  }

  /** Stops and lists whatever the steps left running, background steps included. */
  async sweep(): Promise<MarkedProcess[]> {
    const leftovers: MarkedProcess[] = [];
    for (const marker of [this.runId, ...this.backgroundMarkers])
      leftovers.push(...(await this.sweepMarked(marker)));
    return leftovers;
  }

  private async sweepMarked(marker: string): Promise<MarkedProcess[]> {
    const leftovers = await stopMarked(marker);
    for (const { pid, command } of leftovers)
      this.log(`   still running, now stopped: pid ${pid}: ${command}`);
    return leftovers;
  }

  /** A table of every step's time and outcome. */
  summary(): string {
    const width = Math.max(...this.results.map(r => r.name.length), 4);
    const lines = this.results.map(
      r =>
        `${r.name.padEnd(width)}  ${r.seconds.toFixed(1).padStart(7)} s  ${
          r.ok ? 'ok' : `FAILED: ${r.problem}`
        }`,
    );
    return [
      `${'step'.padEnd(width)}  ${'time'.padStart(9)}  result`,
      ...lines,
    ].join('\n');
  }
}
