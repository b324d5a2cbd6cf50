/**
 * Scaffolder actions of the voting app: voting:stack:ensure, voting:manifests:render,
 * voting:results:read.
 *
 * @packageDocumentation
 */
export { scaffolderModuleVoting as default } from './module';
export * from './actions';
