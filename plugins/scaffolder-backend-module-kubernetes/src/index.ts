/**
 * Scaffolder actions for Kubernetes clusters: kubernetes:helm-release:ensure and :delete,
 * kubernetes:namespace:delete.
 *
 * @packageDocumentation
 */
export { scaffolderModuleKubernetes as default } from './module';
export * from './actions';
export { HelmError } from './lib/helm';
