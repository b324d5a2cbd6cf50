/**
 * Scaffolder actions for Kubernetes clusters: kubernetes:helm:install.
 *
 * @packageDocumentation
 */
export { scaffolderModuleKubernetes as default } from './module';
export {
  createHelmInstallAction,
  type HelmInstallActionOptions,
} from './actions/helmInstall';
