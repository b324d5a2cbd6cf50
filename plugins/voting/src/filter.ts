import { Entity } from '@backstage/catalog-model';
import { RESULT_URL_ANNOTATION } from '@voting-platform/plugin-voting-common';

/**
 * Whether an entity names a result service, i.e. whether the voting card has something to show.
 *
 * @public
 */
export function isVotingResultsAvailable(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[RESULT_URL_ANNOTATION]);
}
