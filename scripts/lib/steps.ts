/**
 * Runs the steps of a long command (the README's test command) so that nothing outlives it:
 * each step runs in a process group of its own with a time limit, carries the run's marker in its
 * environment, and is followed by a sweep that stops and reports whatever it left running. Ctrl-C
 * (or SIGTERM from a CI runner) stops the current step, sweeps, and ends the run.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
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

export interface StepOptions {
  /** Ends the step (its whole process group) after this long. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

export class StepRunner {
  readonly runId = randomUUID();
  readonly results: StepResult[] = [];
  private interruptedBy: NodeJS.Signals | undefined;
  private current: { pid: number; ended: Promise<unknown> } | undefined;

  /** `log` prints the runner's own lines (a test collects them instead). */
  constructor(
    private readonly cwd: string,
    private readonly log: (message: string) => void = printLine,
  ) {}

  /** The environment every step gets: the caller's, plus the run's marker. */
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, [RUN_MARKER]: this.runId };
  }

  get interrupted(): NodeJS.Signals | undefined {
    return this.interruptedBy;
  }

  /**
   * Forwards SIGINT, SIGTERM and SIGHUP to the running step's process group; a second signal
   * kills it outright. The caller sees `interrupted` and stops starting new steps.
   */
  handleSignals(): void {
    for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(name, () => {
        const again = this.interruptedBy !== undefined;
        this.interruptedBy ??= name;
        this.log(
          again
            ? `${name} again: killing the current step`
            : `${name}: stopping the current step, then everything it started`,
        );
        if (this.current)
          this.killGroup(this.current.pid, again ? 'SIGKILL' : name);
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
    const started = Date.now();
    // detached: a process group of its own, so a time limit or Ctrl-C reaches every process in it.
    const child = spawn(command, args, {
      cwd: this.cwd,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...this.env, ...options.env },
      detached: true,
    });
    const ended = new Promise<{ code: number | null; error?: Error }>(
      resolve => {
        child.once('exit', code => resolve({ code }));
        child.once('error', error => resolve({ code: null, error }));
      },
    );
    this.current = { pid: child.pid ?? 0, ended };
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
    this.current = undefined;
    const leftovers = await this.sweep();
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

  /** Stops and lists whatever a step left running. */
  async sweep(): Promise<MarkedProcess[]> {
    const leftovers = await stopMarked(this.runId);
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
