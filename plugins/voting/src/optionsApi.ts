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

/**
 * The voting backend's `/options/...` routes. Each list is asked for once per page load: the
 * fields of a form share the answer (and a failed answer is asked again).
 *
 * @public
 */
export class VotingOptionsClient implements VotingOptionsApi {
  readonly #answers = new Map<string, Promise<unknown>>();

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
    let answer = this.#answers.get(list) as Promise<T> | undefined;
    if (!answer) {
      answer = (async () => {
        const base = await this.apis.discoveryApi.getBaseUrl('voting');
        const response = await this.apis.fetchApi.fetch(
          `${base}/options/${list}`,
        );
        if (!response.ok) throw await ResponseError.fromResponse(response);
        return (await response.json()) as T;
      })();
      answer.catch(() => this.#answers.delete(list));
      this.#answers.set(list, answer);
    }
    return answer;
  }
}
