import { CompoundEntityRef } from '@backstage/catalog-model';
import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  parsePollResults,
  type EntityResults,
} from '@voting-platform/plugin-voting-common';

/** Reads an entity's live tallies from the voting backend plugin. */
export async function getEntityResults(
  apis: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  entity: CompoundEntityRef,
): Promise<EntityResults> {
  const base = await apis.discoveryApi.getBaseUrl('voting');
  const path = [
    entity.kind.toLocaleLowerCase('en-US'),
    entity.namespace,
    entity.name,
  ]
    .map(encodeURIComponent)
    .join('/');
  const response = await apis.fetchApi.fetch(
    `${base}/entities/${path}/results`,
  );
  if (!response.ok) {
    throw await ResponseError.fromResponse(response);
  }
  const body = (await response.json()) as EntityResults;
  return { ...body, results: parsePollResults(body.results) };
}
