/**
 * Scaffolder actions for Cloudflare.
 *
 * @packageDocumentation
 */
export { scaffolderModuleCloudflare as default } from './module';
export * from './actions';
export { CloudflareError, type CloudflareActionOptions } from './lib/client';
