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
export type { ResultServiceFailure } from './results';
export type { PollResults } from './types';
