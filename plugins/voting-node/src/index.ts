/**
 * The voting-environment permission resource for backend packages: the resource, the rule
 * that decides ownership, and the conditions a permission policy returns.
 *
 * @packageDocumentation
 */
export {
  authorizeEnvironment,
  environmentResourceRef,
  isEnvironmentOwner,
  votingEnvironmentConditions,
  type VotingEnvironment,
} from './environment';
