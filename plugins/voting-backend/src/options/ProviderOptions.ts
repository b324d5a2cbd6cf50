import type {
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ServiceUnavailableError } from '@backstage/errors';
import { listAll } from '@voting-platform/plugin-digitalocean-node';
import type {
  CloudflareZoneOption,
  DatabaseOptions,
  KubernetesOptions,
  NodeSizeOption,
} from '@voting-platform/plugin-voting-common';
import {
  cloudflareReader,
  describeCloudflareError,
  digitalOceanReader,
} from '../providers';

export interface ProviderOptionsServiceOptions {
  config: Config;
  logger: LoggerService;
  cache: CacheService;
  /** How long an answer is served from the cache, in seconds. */
  cacheSeconds: number;
}

/** The database engine the create template provisions. */
const ENGINE = 'pg';
/** The most Cloudflare lists per page of zones. */
const ZONES_PER_PAGE = 50;

/**
 * What DigitalOcean and Cloudflare offer (regions, versions, sizes with prices, zones), for the
 * create template's form. Each answer is cached for `cacheSeconds` and a load already under way
 * is joined: any number of open forms cost one provider call per list per interval. Failures are
 * not cached, so a provider that comes back is seen at the next request.
 */
export class ProviderOptionsService {
  readonly #options: ProviderOptionsServiceOptions;
  readonly #cache: CacheService;
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(options: ProviderOptionsServiceOptions) {
    this.#options = options;
    this.#cache = options.cache.withOptions({
      defaultTtl: options.cacheSeconds * 1000,
    });
  }

  kubernetes(): Promise<KubernetesOptions> {
    return this.#cached('kubernetes', 'DigitalOcean', async () => {
      const client = digitalOceanReader(
        this.#options.config,
        this.#options.logger,
      );
      const [offered, sizes] = await Promise.all([
        client.call('list the Kubernetes options', async () => {
          const { data } = await client.http.get('/kubernetes/options');
          return data.options;
        }),
        client.call('list the Droplet sizes', () =>
          listAll(
            n =>
              client.http.get('/sizes', { params: { page: n, per_page: 200 } }),
            data => data.sizes ?? [],
          ),
        ),
      ]);
      const bySlug = new Map<string, any>(sizes.map((s: any) => [s.slug, s]));
      return {
        regions: (offered.regions ?? []).map((r: any) => ({
          slug: String(r.slug),
          name: String(r.name),
        })),
        versions: (offered.versions ?? []).map((v: any) => ({
          slug: String(v.slug),
          kubernetesVersion: String(v.kubernetes_version),
        })),
        // a node size without a Droplet size has no price to show: left out
        nodeSizes: (offered.sizes ?? []).flatMap((o: any): NodeSizeOption[] => {
          const size = bySlug.get(o.slug);
          if (!size?.available) return [];
          return [
            {
              slug: String(size.slug),
              description: String(size.description ?? ''),
              vcpus: Number(size.vcpus),
              memoryMiB: Number(size.memory),
              priceMonthly: Number(size.price_monthly),
              regions: (size.regions ?? []).map(String),
            },
          ];
        }),
      };
    });
  }

  databases(): Promise<DatabaseOptions> {
    return this.#cached('databases', 'DigitalOcean', async () => {
      const client = digitalOceanReader(
        this.#options.config,
        this.#options.logger,
      );
      const offered = await client.call(
        'list the database options',
        async () => {
          const { data } = await client.http.get('/databases/options');
          return data.options?.[ENGINE];
        },
      );
      if (!offered) {
        throw new Error(`DigitalOcean offers no ${ENGINE} databases`);
      }
      return {
        regions: (offered.regions ?? []).map(String),
        versions: (offered.versions ?? []).map(String),
        layouts: (offered.layouts ?? []).map((l: any) => ({
          nodes: Number(l.num_nodes),
          sizes: (l.sizes ?? []).map(String),
        })),
      };
    });
  }

  zones(): Promise<CloudflareZoneOption[]> {
    return this.#cached('zones', 'Cloudflare', async () => {
      const cf = cloudflareReader(this.#options.config);
      const zones: CloudflareZoneOption[] = [];
      // page by page until a short one: the SDK's iterator would ask for an empty page at the end
      for (let page = 1; ; page++) {
        const { result } = await cf.zones.list({
          status: 'active',
          page,
          per_page: ZONES_PER_PAGE,
        });
        zones.push(...result.map(zone => ({ id: zone.id, name: zone.name })));
        if (result.length < ZONES_PER_PAGE) break;
      }
      return zones.sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  #cached<T>(
    list: string,
    provider: string,
    load: () => Promise<T>,
  ): Promise<T> {
    const key = `options:${list}`;
    let pending = this.#inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = (async () => {
        const cached = (await this.#cache.get(key)) as T | undefined;
        if (cached) return cached;
        let value: T;
        try {
          value = await load();
        } catch (error) {
          const message =
            provider === 'Cloudflare'
              ? describeCloudflareError(error)
              : (error as Error)?.message ?? String(error);
          this.#options.logger.warn(`options ${list}: ${message}`);
          throw new ServiceUnavailableError(
            `the ${list} options could not be read from ${provider}: ${message}`,
          );
        }
        await this.#cache.set(key, value as any);
        return value;
      })().finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return pending;
  }
}
