export { createVotingManifestsRenderAction } from './manifestsRender';
export {
  createVotingResultsReadAction,
  type VotingResultsReadActionOptions,
} from './resultsRead';
export {
  createVotingStackEnsureAction,
  type VotingStackEnsureActionOptions,
} from './stackEnsure';
export { createVotingEnvironmentRegisterAction } from './environmentRegister';
export { createVotingEnvironmentUnregisterAction } from './environmentUnregister';
export type { VotingEnvironmentActionOptions } from '../lib/environments';
export type { CatalogWaitOptions } from '../lib/catalogWait';
