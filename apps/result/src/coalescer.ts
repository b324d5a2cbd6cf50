/**
 * Runs a task on demand, never more often than once per interval and never twice at once.
 * A request during a run or inside the interval is folded into one trailing run, so a burst
 * of requests costs at most one immediate run plus one at the end of the interval.
 */
export class Coalescer {
  private running = false;
  private pending = false;
  private timer?: NodeJS.Timeout;
  private lastStart = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
  ) {}

  request(): void {
    this.pending = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.running || this.timer || !this.pending) return;
    const wait = this.lastStart + this.intervalMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
      return;
    }
    this.pending = false;
    this.running = true;
    this.lastStart = Date.now();
    this.task()
      .catch(() => {})
      .finally(() => {
        this.running = false;
        this.schedule();
      });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = false;
  }
}
