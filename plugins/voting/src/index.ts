/**
 * The voting frontend plugin: live vote tallies on catalog entity pages, and the create
 * template's form fields fed by the providers. This entry point is for
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
  VotingCloudflareZoneFieldExtension,
  VotingConfirmNameFieldExtension,
  VotingDatabaseSizeFieldExtension,
  VotingKubernetesVersionFieldExtension,
  VotingNodeSizeFieldExtension,
  VotingRegionFieldExtension,
  VotingTeamOwnerFieldExtension,
} from './plugin';
export {
  isGroup,
  isVotingEnvironment,
  isVotingResultsAvailable,
} from './filter';
export { votingOptionsApiRef, VotingOptionsClient } from './optionsApi';
export type { VotingOptionsApi } from './optionsApi';
export { votingStatusApiRef, VotingStatusClient } from './statusApi';
export type { EnvironmentStatuses, VotingStatusApi } from './statusApi';
export type { EnvironmentStatusCardProps } from './components/status/EnvironmentStatusCard';
export type { VotingEnvironmentsPageProps } from './components/status/EnvironmentsPage';
export type { VotingResultsCardProps } from './components/VotingResultsCard';
export type {
  CloudflareZoneFieldOptions,
  ZoneValue,
} from './scaffolder/CloudflareZoneField';
export type { DatabaseSizeFieldOptions } from './scaffolder/DatabaseSizeField';
export type { KubernetesFieldOptions } from './scaffolder/KubernetesFields';
