import {
  createApiRef,
  type DiscoveryApi,
  type FetchApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  CloudflareZoneOption,
  CloudflareZoneOptions,
  DatabaseOptions,
  KubernetesOptions,
} from '@voting-platform/plugin-voting-common';

/**
 * What the providers offer for the create template's form, from the voting backend (cached
 * there).
 *
 * @public
 */
export interface VotingOptionsApi {
  getKubernetesOptions(): Promise<KubernetesOptions>;
  getDatabaseOptions(): Promise<DatabaseOptions>;
  getZones(): Promise<CloudflareZoneOption[]>;
}

/**
 * The {@link VotingOptionsApi}: tests and apps may swap it.
 *
 * @public
 */
export const votingOptionsApiRef = createApiRef<VotingOptionsApi>({
  id: 'plugin.voting.options',
});

/** How long the fields of the app share an answer before asking the backend again. */
const SHARED_FOR_MS = 60_000;

/**
 * The voting backend's `/options/...` routes. The fields of a form share each answer for a
 * minute (the backend caches longer); a failed answer is not shared, so the next field asks again.
 *
 * @public
 */
export class VotingOptionsClient implements VotingOptionsApi {
  readonly #answers = new Map<
    string,
    { at: number; answer: Promise<unknown> }
  >();

  constructor(
    private readonly apis: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  getKubernetesOptions(): Promise<KubernetesOptions> {
    return this.#json('kubernetes');
  }

  getDatabaseOptions(): Promise<DatabaseOptions> {
    return this.#json('databases');
  }

  async getZones(): Promise<CloudflareZoneOption[]> {
    return (await this.#json<CloudflareZoneOptions>('zones')).zones;
  }

  #json<T>(list: string): Promise<T> {
    const shared = this.#answers.get(list);
    if (shared && Date.now() - shared.at < SHARED_FOR_MS) {
      return shared.answer as Promise<T>;
    }
    const answer = (async () => {
      const base = await this.apis.discoveryApi.getBaseUrl('voting');
      const response = await this.apis.fetchApi.fetch(
        `${base}/options/${list}`,
      );
      if (!response.ok) throw await ResponseError.fromResponse(response);
      return (await response.json()) as T;
    })();
    this.#answers.set(list, { at: Date.now(), answer });
    answer.catch(() => {
      if (this.#answers.get(list)?.answer === answer)
        this.#answers.delete(list);
    });
    return answer;
  }
}
