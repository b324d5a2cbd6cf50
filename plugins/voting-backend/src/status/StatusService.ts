import type {
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  STATUS_SECTIONS,
  type EnvironmentStatus,
  type EnvironmentStatusSections,
  type LocalStackSource,
  type StatusSection,
  type StatusSectionName,
  type VotingEnvironment,
  type WorkloadsStatusDetail,
} from '@voting-platform/plugin-voting-common';
import { APIError as CloudflareApiError } from 'cloudflare';
import { describeCloudflareError } from '../providers';
import {
  checkAlerts,
  checkCluster,
  checkDatabase,
  checkDns,
  checkVotes,
  checkWorkloads,
  votesSource,
  type Checked,
  type SectionContext,
} from './sections';
import type { ReceivedTallies } from './ResultStream';

const CHECKS: Record<
  StatusSectionName,
  (env: VotingEnvironment, ctx: SectionContext) => Promise<Checked<unknown>>
> = {
  cluster: checkCluster,
  database: checkDatabase,
  dns: checkDns,
  workloads: checkWorkloads,
  alerts: checkAlerts,
  votes: checkVotes,
};

const PROVIDERS: Record<StatusSectionName, string> = {
  cluster: 'DigitalOcean',
  database: 'DigitalOcean',
  dns: 'Cloudflare',
  workloads: 'the cluster',
  alerts: 'the cluster',
  votes: 'the result service',
};

export interface StatusServiceOptions {
  config: Config;
  logger: LoggerService;
  cache: CacheService;
  /** How long a section's answer is served from the cache, in seconds. */
  cacheSeconds: number;
  resultsTimeoutMs: number;
  allowedResultHosts?: string[];
  localStack?: LocalStackSource;
  /**
   * The tallies the environment's result service pushed last, while the backend listens to its
   * stream (someone watches the environment); the votes section is served from them then.
   */
  liveTallies?: (environment: string) => ReceivedTallies | undefined;
}

function consoleLinks(
  env: VotingEnvironment,
  zone: string,
): EnvironmentStatus['links'] {
  const id = encodeURIComponent;
  return {
    cluster: `https://cloud.digitalocean.com/kubernetes/clusters/${id(
      env.clusterId,
    )}`,
    database: `https://cloud.digitalocean.com/databases/${id(env.databaseId)}`,
    // Cloudflare's deep link: the dashboard fills in the account the user is signed in to
    dns: `https://dash.cloudflare.com/?to=/:account/${id(zone)}/dns/records`,
    grafana: env.grafanaUrl,
  };
}

/** The error of a failed check as a section shows it: the provider's words, never the request. */
function failure(
  section: StatusSectionName,
  error: unknown,
): Pick<StatusSection<never>, 'state' | 'error'> {
  const status =
    error instanceof CloudflareApiError
      ? error.status
      : (error as { status?: unknown })?.status;
  if (status === 429) {
    return {
      state: 'rate-limited',
      error: `${PROVIDERS[section]} is rate-limiting the portal (429): the status is checked again in the next interval`,
    };
  }
  if (error instanceof CloudflareApiError) {
    return { state: 'error', error: describeCloudflareError(error) };
  }
  return {
    state: 'error',
    error: error instanceof Error ? error.message : String(error),
  };
}

/**
 * The status of environments, section by section, each cached per environment for
 * `cacheSeconds`: any number of viewers cost one provider call per section per interval. Calls
 * for a section already under way are joined rather than repeated, so a burst of viewers before
 * the first answer is cached also costs one. A watch's refresher asks with `refresh`: it checks
 * anew whatever is cached, so a watched status is never more than an interval old.
 */
export class StatusService {
  readonly #options: StatusServiceOptions;
  readonly #cache: CacheService;
  /** Loads under way by key; `refresh`: it checks anew rather than perhaps read the cache. */
  readonly #inFlight = new Map<
    string,
    { pending: Promise<StatusSection<unknown>>; refresh: boolean }
  >();

  constructor(options: StatusServiceOptions) {
    this.#options = options;
    this.#cache = options.cache.withOptions({
      defaultTtl: options.cacheSeconds * 1000,
    });
  }

  async status(env: VotingEnvironment): Promise<EnvironmentStatus> {
    const sections = await Promise.all(
      STATUS_SECTIONS.map(section => this.section(env, section)),
    );
    const dns = sections[STATUS_SECTIONS.indexOf('dns')].detail as {
      zone?: string;
    } | null;
    return {
      name: env.name,
      owner: env.owner,
      links: consoleLinks(env, dns?.zone ?? env.domain),
      ...Object.fromEntries(
        STATUS_SECTIONS.map((section, i) => [section, sections[i]]),
      ),
    } as EnvironmentStatus;
  }

  /** Only the named sections, with the environment's name and owner (`?sections=`). */
  async sections(
    env: VotingEnvironment,
    names: readonly StatusSectionName[],
  ): Promise<EnvironmentStatusSections> {
    const answers = await Promise.all(
      names.map(section => this.section(env, section)),
    );
    return {
      name: env.name,
      owner: env.owner,
      ...Object.fromEntries(names.map((section, i) => [section, answers[i]])),
    };
  }

  section(
    env: VotingEnvironment,
    section: StatusSectionName,
    { refresh = false }: { refresh?: boolean } = {},
  ): Promise<StatusSection<unknown>> {
    if (section === 'votes') {
      const live = this.#options.liveTallies?.(env.name);
      if (live) return Promise.resolve(this.#liveVotes(env, live));
    }
    // the record's update time is in the key: a re-registered environment is checked anew
    const key = `status:${env.name}:${env.updatedAt}:${section}`;
    const underWay = this.#inFlight.get(key);
    // a refresh joins only a refresh: a viewer's load may be answered from the cache
    if (underWay && (underWay.refresh || !refresh)) return underWay.pending;
    const pending = this.#load(key, env, section, refresh).finally(() => {
      if (this.#inFlight.get(key)?.pending === pending)
        this.#inFlight.delete(key);
    });
    this.#inFlight.set(key, { pending, refresh });
    return pending;
  }

  #liveVotes(
    env: VotingEnvironment,
    { results, receivedAt }: ReceivedTallies,
  ): StatusSection<unknown> {
    const { servedBy } = votesSource(env, this.#options);
    return {
      state: 'ok',
      detail: servedBy ? { ...results, servedBy } : results,
      checkedAt: receivedAt,
    };
  }

  async #load(
    key: string,
    env: VotingEnvironment,
    section: StatusSectionName,
    refresh: boolean,
  ): Promise<StatusSection<unknown>> {
    const cached = refresh
      ? undefined
      : ((await this.#cache.get(key)) as StatusSection<unknown> | undefined);
    if (cached) return cached;
    const checkedAt = new Date().toISOString();
    const { config, logger, resultsTimeoutMs, allowedResultHosts, localStack } =
      this.#options;
    let result: StatusSection<unknown>;
    try {
      const { state, detail } = await CHECKS[section](env, {
        config,
        logger,
        resultsTimeoutMs,
        allowedResultHosts,
        localStack,
        loadBalancerAddress: async () => {
          const workloads = await this.section(env, 'workloads');
          return (workloads.detail as WorkloadsStatusDetail | null)
            ?.loadBalancer;
        },
      });
      result = { state, detail, checkedAt };
    } catch (error) {
      result = { ...failure(section, error), detail: null, checkedAt };
      logger.warn(`status of ${env.name}, ${section}: ${result.error}`);
    }
    // failures are cached too: a provider that refuses is not asked again by every viewer
    await this.#cache.set(key, result as any);
    return result;
  }
}
