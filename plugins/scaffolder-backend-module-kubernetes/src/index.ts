/**
 * Scaffolder actions for Kubernetes clusters: kubernetes:helm-release:ensure.
 *
 * @packageDocumentation
 */
export { scaffolderModuleKubernetes as default } from './module';
export * from './actions';
export { HelmError } from './lib/helm';
