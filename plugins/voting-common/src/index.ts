/**
 * Types, annotation names and helpers shared by the voting plugins.
 *
 * @packageDocumentation
 */
export { RESULT_URL_ANNOTATION, VOTE_URL_ANNOTATION } from './annotations';
export {
  fetchPollResults,
  parsePollResults,
  resultsApiUrl,
  ResultServiceError,
} from './results';
export type { PollResults, ResultServiceFailure } from './results';
export {
  isVotingAction,
  RESOURCE_TYPE_VOTING_ENVIRONMENT,
  VOTING_ACTION_PREFIXES,
  votingEnvironmentCreatePermission,
  votingEnvironmentDeletePermission,
  votingEnvironmentReadPermission,
  votingForeignTemplateActionsPermission,
  votingPermissions,
} from './permissions';
