/**
 * Catalog module: the environments the voting templates made, as catalog entities.
 *
 * @packageDocumentation
 */
export { catalogModuleVotingEnvironments as default } from './module';
export {
  DIGITALOCEAN_ID_ANNOTATION,
  ENVIRONMENT_ANNOTATION,
  environmentEntities,
  environmentEntityRefs,
} from './entities';
export { VotingEnvironmentProvider } from './VotingEnvironmentProvider';
