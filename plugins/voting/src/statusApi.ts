import {
  createApiRef,
  type DiscoveryApi,
  type FetchApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  MAX_STATUS_BATCH,
  type EnvironmentStatus,
  type EnvironmentStatusSections,
  type EnvironmentWatchLease,
  type StatusSectionName,
} from '@voting-platform/plugin-voting-common';

/**
 * What the batch status call answers.
 *
 * @public
 */
export interface EnvironmentStatuses {
  items: EnvironmentStatus[];
  /** Environments the permission policy does not let this user read. */
  denied: string[];
  /** Names asked for that are not recorded. */
  missing: string[];
}

/**
 * The live status of environments, from the voting backend.
 *
 * @public
 */
export interface VotingStatusApi {
  getStatus(name: string): Promise<EnvironmentStatus>;
  /**
   * Only the named sections (a view that shows only those, or that a signal said changed):
   * much cheaper for the backend than the whole status when every viewer asks at once.
   */
  getSections(
    name: string,
    sections: readonly StatusSectionName[],
  ): Promise<EnvironmentStatusSections>;
  /** Many environments in one call; every readable one without `names`. */
  getStatuses(names?: string[]): Promise<EnvironmentStatuses>;
  /**
   * Asks the backend to watch the environment for the signed-in user for a while (the answer
   * says how long): changes are then pushed as signals on its channel.
   */
  watch(name: string): Promise<EnvironmentWatchLease>;
}

/**
 * The {@link VotingStatusApi}: tests and apps may swap it.
 *
 * @public
 */
export const votingStatusApiRef = createApiRef<VotingStatusApi>({
  id: 'plugin.voting.status',
});

/**
 * The voting backend's `/environments/.../status` routes.
 *
 * @public
 */
export class VotingStatusClient implements VotingStatusApi {
  constructor(
    private readonly apis: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  async getStatus(name: string): Promise<EnvironmentStatus> {
    return this.#json(`/environments/${encodeURIComponent(name)}/status`);
  }

  async getSections(
    name: string,
    sections: readonly StatusSectionName[],
  ): Promise<EnvironmentStatusSections> {
    return this.#json(
      `/environments/${encodeURIComponent(
        name,
      )}/status?sections=${sections.join(',')}`,
    );
  }

  async getStatuses(names?: string[]): Promise<EnvironmentStatuses> {
    const batch = (body: { names?: string[] }) =>
      this.#json<EnvironmentStatuses>('/environments/status', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    if (!names || names.length <= MAX_STATUS_BATCH) return batch({ names });
    // the backend takes at most MAX_STATUS_BATCH names a call: more go in several, at once
    const chunks = [];
    for (let at = 0; at < names.length; at += MAX_STATUS_BATCH)
      chunks.push(names.slice(at, at + MAX_STATUS_BATCH));
    const answers = await Promise.all(
      chunks.map(chunk => batch({ names: chunk })),
    );
    return {
      items: answers.flatMap(answer => answer.items),
      denied: answers.flatMap(answer => answer.denied),
      missing: answers.flatMap(answer => answer.missing),
    };
  }

  async watch(name: string): Promise<EnvironmentWatchLease> {
    return this.#json(`/environments/${encodeURIComponent(name)}/watch`, {
      method: 'POST',
    });
  }

  async #json<T>(path: string, init?: RequestInit): Promise<T> {
    const base = await this.apis.discoveryApi.getBaseUrl('voting');
    const response = await this.apis.fetchApi.fetch(`${base}${path}`, init);
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }
}
