/**
 * The voting frontend plugin: live vote tallies on catalog entity pages. This entry point is for
 * the legacy frontend system; the new frontend system uses `@voting-platform/plugin-voting/alpha`.
 *
 * @packageDocumentation
 */
export { votingPlugin, EntityVotingResultsCard } from './plugin';
export { isVotingResultsAvailable } from './filter';
export type { VotingResultsCardProps } from './components/VotingResultsCard';
