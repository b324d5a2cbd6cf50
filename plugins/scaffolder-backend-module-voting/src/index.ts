/**
 * Scaffolder actions of the voting app: voting:stack:ensure, voting:manifests:render,
 * voting:results:read, voting:environment:register and voting:environment:unregister.
 *
 * @packageDocumentation
 */
export { scaffolderModuleVoting as default } from './module';
export * from './actions';
