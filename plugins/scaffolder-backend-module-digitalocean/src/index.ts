/**
 * Scaffolder actions for DigitalOcean.
 *
 * @packageDocumentation
 */
export { scaffolderModuleDigitalOcean as default } from './module';
export * from './actions';
