export { createVotingManifestsRenderAction } from './manifestsRender';
export {
  createVotingResultsReadAction,
  type VotingResultsReadActionOptions,
} from './resultsRead';
export {
  createVotingStackEnsureAction,
  type VotingStackEnsureActionOptions,
} from './stackEnsure';
