import { Entity } from '@backstage/catalog-model';
import {
  ENVIRONMENT_ANNOTATION,
  RESULT_URL_ANNOTATION,
} from '@voting-platform/plugin-voting-common';

/**
 * Whether an entity names a result service, i.e. whether the voting card has something to show.
 *
 * @public
 */
export function isVotingResultsAvailable(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[RESULT_URL_ANNOTATION]);
}

/**
 * Whether an entity stands for a recorded environment, i.e. whether the environment status card
 * has something to show.
 *
 * @public
 */
export function isVotingEnvironment(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[ENVIRONMENT_ANNOTATION]);
}

/**
 * Whether an entity is a Group, whose page lists the team's environments.
 *
 * @public
 */
export function isGroup(entity: Entity): boolean {
  return entity.kind.toLocaleLowerCase('en-US') === 'group';
}
