/**
 * Scaffolder actions of the voting app: voting:deploy, voting:manifests:render, voting:results:read,
 * voting:environment:register and voting:environment:unregister.
 *
 * @packageDocumentation
 */
export { scaffolderModuleVoting as default } from './module';
export { createRenderManifestsAction } from './actions/renderManifests';
export {
  createReadResultsAction,
  type ReadResultsActionOptions,
} from './actions/readResults';
export { createDeployAction, type DeployActionOptions } from './actions/deploy';
export { createVotingEnvironmentRegisterAction } from './actions/environmentRegister';
export { createVotingEnvironmentUnregisterAction } from './actions/environmentUnregister';
export type { VotingEnvironmentActionOptions } from './lib/environments';
