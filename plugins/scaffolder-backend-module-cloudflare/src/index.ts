/**
 * Scaffolder actions for Cloudflare.
 *
 * @packageDocumentation
 */
export { scaffolderModuleCloudflare as default } from './module';
