/**
 * The voting frontend plugin: live vote tallies on catalog entity pages. This entry point is for
 * the legacy frontend system; the new frontend system uses `@voting-platform/plugin-voting/alpha`.
 *
 * @packageDocumentation
 */
export {
  votingPlugin,
  EntityVotingResultsCard,
  EntityEnvironmentStatusCard,
  EntityEnvironmentStatusContent,
  EntityGroupEnvironmentsCard,
  VotingEnvironmentsPage,
  votingEnvironmentsRouteRef,
} from './plugin';
export {
  isGroup,
  isVotingEnvironment,
  isVotingResultsAvailable,
} from './filter';
export { votingStatusApiRef, VotingStatusClient } from './statusApi';
export type { EnvironmentStatuses, VotingStatusApi } from './statusApi';
export type { EnvironmentStatusCardProps } from './components/status/EnvironmentStatusCard';
export type { VotingResultsCardProps } from './components/VotingResultsCard';
