import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SignalsService } from '@backstage/plugin-signals-node';
import {
  environmentSignalChannel,
  STATUS_SECTIONS,
  type EnvironmentSignal,
  type LocalStackSource,
  type StatusSection,
  type StatusSectionName,
  type VotingEnvironment,
} from '@voting-platform/plugin-voting-common';
import { ResultStream, type ReceivedTallies } from './ResultStream';
import { votesSource } from './sections';
import type { StatusService } from './StatusService';

export interface WatchServiceOptions {
  logger: LoggerService;
  signals: SignalsService;
  /** How long one watch call keeps an environment watched for its user, in seconds. */
  leaseSeconds: number;
  /** How often a watched environment's status is checked, in seconds (the cache interval). */
  intervalSeconds: number;
  /** At most one votes signal per this many milliseconds per environment. */
  votesSignalIntervalMs: number;
  allowedResultHosts?: string[];
  localStack?: LocalStackSource;
}

type Watch = {
  env: VotingEnvironment;
  /** Users watching, each with the end of their lease (ms since the epoch). */
  viewers: Map<string, number>;
  /** What each section said when it was last compared; a difference is published. */
  seen: Map<StatusSectionName, string>;
  refresher: NodeJS.Timeout;
  expiry?: NodeJS.Timeout;
  /** When the votes were last compared (ms since the epoch), and the comparison waiting. */
  votesComparedAt: number;
  votesPending?: NodeJS.Timeout;
  stream?: ResultStream;
};

/** The sections the providers answer for (the votes come from the result service). */
const CHECKED_SECTIONS = STATUS_SECTIONS.filter(section => section !== 'votes');

/** What a section says, without the time it was said. */
const fingerprint = ({ state, detail, error }: StatusSection<unknown>) =>
  JSON.stringify([state, detail, error ?? null]);

/**
 * Watches environments while someone looks at them, and only then: each watch call leases the
 * environment for one user; while any lease runs, the status is checked at the cache interval
 * and the result service's socket.io stream is listened to, and every change is published as a
 * signal to the users holding a lease (whom the route let read the environment). When the last
 * lease ends, the checks stop and the stream is closed.
 */
export class WatchService {
  readonly #options: WatchServiceOptions;
  readonly #watches = new Map<string, Watch>();
  #status?: StatusService;

  constructor(options: WatchServiceOptions) {
    this.#options = options;
  }

  /** The status service whose answers are watched (it reads the live tallies from here). */
  attach(status: StatusService): void {
    this.#status = status;
  }

  /** The tallies the environment's result service pushed last, while it is watched. */
  liveTallies(environment: string): ReceivedTallies | undefined {
    return this.#watches.get(environment)?.stream?.latest;
  }

  /** Leases the environment to the user for `leaseSeconds`; returns the lease's length. */
  watch(env: VotingEnvironment, userEntityRef: string): number {
    const { leaseSeconds } = this.#options;
    let watch = this.#watches.get(env.name);
    // a re-registered environment (other cluster, other result service) is watched anew
    if (watch && watch.env.updatedAt !== env.updatedAt) {
      this.#stop(watch);
      watch = undefined;
    }
    if (!watch) watch = this.#start(env);
    watch.viewers.set(userEntityRef, Date.now() + leaseSeconds * 1000);
    this.#scheduleExpiry(watch);
    return leaseSeconds;
  }

  /** Whether anything runs for the environment (for tests and metrics). */
  isWatched(environment: string): boolean {
    return this.#watches.has(environment);
  }

  stopAll(): void {
    for (const watch of this.#watches.values()) this.#stop(watch);
  }

  #start(env: VotingEnvironment): Watch {
    const { intervalSeconds, logger } = this.#options;
    const watch: Watch = {
      env,
      viewers: new Map(),
      seen: new Map(),
      votesComparedAt: 0,
      // every interval, checked anew: the cached entry of the previous check expires an interval
      // after that check _ended_, so reading through the cache would find it every other time
      refresher: setInterval(
        () =>
          this.#compare(
            watch,
            // while the stream is connected, its pushes are what compares the votes
            watch.stream?.latest ? CHECKED_SECTIONS : STATUS_SECTIONS,
            { refresh: true },
          ),
        intervalSeconds * 1000,
      ),
    };
    this.#watches.set(env.name, watch);
    let resultUrl: string | undefined;
    try {
      resultUrl = votesSource(env, this.#options).resultUrl;
    } catch (error) {
      // the votes section reports it; there is nothing to listen to
      logger.debug(
        `no live votes for ${env.name}: ${(error as Error).message}`,
      );
    }
    if (resultUrl) {
      watch.stream = new ResultStream(resultUrl, logger, () =>
        this.#votesPushed(watch),
      );
    }
    // what the viewer sees now: later differences from it are published
    this.#compare(watch, STATUS_SECTIONS);
    return watch;
  }

  #scheduleExpiry(watch: Watch): void {
    clearTimeout(watch.expiry);
    const now = Date.now();
    for (const [user, until] of watch.viewers) {
      if (until <= now) watch.viewers.delete(user);
    }
    if (watch.viewers.size === 0) {
      this.#stop(watch);
      return;
    }
    const next = Math.min(...watch.viewers.values());
    watch.expiry = setTimeout(() => this.#scheduleExpiry(watch), next - now);
  }

  /**
   * Compares the votes at most once per `votesSignalIntervalMs`: each signal makes every viewer
   * fetch again, so a burst of pushes makes one signal at once and one when the interval ends,
   * which compares the latest push (the last tallies are never left unsaid).
   */
  #votesPushed(watch: Watch): void {
    if (watch.votesPending) return;
    const compare = () => {
      watch.votesPending = undefined;
      watch.votesComparedAt = Date.now();
      this.#compare(watch, ['votes']);
    };
    const waitMs =
      watch.votesComparedAt + this.#options.votesSignalIntervalMs - Date.now();
    if (waitMs <= 0) compare();
    else watch.votesPending = setTimeout(compare, waitMs);
  }

  #stop(watch: Watch): void {
    clearInterval(watch.refresher);
    clearTimeout(watch.expiry);
    clearTimeout(watch.votesPending);
    watch.stream?.close();
    if (this.#watches.get(watch.env.name) === watch) {
      this.#watches.delete(watch.env.name);
    }
  }

  /**
   * Checks the sections (from the cache within its interval, unless `refresh`) and publishes what
   * changed.
   */
  #compare(
    watch: Watch,
    sections: readonly StatusSectionName[],
    options: { refresh?: boolean } = {},
  ): void {
    const status = this.#status;
    // a stream closing after its watch ended still calls back: nobody watches any more
    if (!status || this.#watches.get(watch.env.name) !== watch) return;
    const { logger, signals } = this.#options;
    Promise.all(
      sections.map(section => status.section(watch.env, section, options)),
    )
      .then(async answers => {
        if (this.#watches.get(watch.env.name) !== watch) return;
        const changed = sections.filter((section, i) => {
          const now = fingerprint(answers[i]);
          const before = watch.seen.get(section);
          watch.seen.set(section, now);
          return before !== undefined && before !== now;
        });
        if (changed.length === 0 || watch.viewers.size === 0) return;
        await signals.publish<EnvironmentSignal>({
          recipients: { type: 'user', entityRef: [...watch.viewers.keys()] },
          channel: environmentSignalChannel(watch.env.name),
          message: { environment: watch.env.name, sections: changed },
        });
      })
      .catch(error =>
        logger.warn(
          `watching ${watch.env.name}: ${(error as Error).message ?? error}`,
        ),
      );
  }
}
