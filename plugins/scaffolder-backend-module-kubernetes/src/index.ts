/**
 * Scaffolder actions for Kubernetes and the deployed voting stack.
 *
 * @packageDocumentation
 */
export { scaffolderModuleKubernetes as default } from './module';
export { createRenderManifestsAction } from './actions/renderManifests';
export { createReadResultsAction, type ReadResultsActionOptions } from './actions/readResults';
export { createDeployAction, type DeployActionOptions } from './actions/deploy';
export { createHelmInstallAction, type HelmInstallActionOptions } from './actions/helmInstall';
