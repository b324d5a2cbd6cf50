/**
 * Types, annotation names and helpers shared by the voting plugins.
 *
 * @packageDocumentation
 */
export {
  ENVIRONMENT_ANNOTATION,
  ENVIRONMENT_UPDATED_AT_ANNOTATION,
  REGION_LABEL,
  RESULT_URL_ANNOTATION,
  VOTE_URL_ANNOTATION,
} from './annotations';
export {
  fetchPollResults,
  parsePollResults,
  resultsApiUrl,
  ResultServiceError,
} from './results';
export type { ResultServiceFailure } from './results';
export type { EntityResults, LocalStackSource, PollResults } from './types';
export {
  ENVIRONMENT_NAME_PATTERN,
  ENVIRONMENT_NAMESPACE,
  environmentComponentRef,
  ENVIRONMENTS_EVENT_TOPIC,
  environmentSpecSchema,
} from './environments';
export type {
  EnvironmentEvent,
  EnvironmentOutcome,
  EnvironmentSpec,
  VotingEnvironment,
} from './environments';
export {
  isVotingAction,
  RESOURCE_TYPE_VOTING_ENVIRONMENT,
  VOTING_ACTION_PREFIXES,
  votingEnvironmentCreatePermission,
  votingEnvironmentDeletePermission,
  votingEnvironmentReadPermission,
  votingForeignTemplateActionsPermission,
  votingPermissions,
} from './permissions';
export { environmentSignalChannel } from './signals';
export type { EnvironmentSignal, EnvironmentWatchLease } from './signals';
export { MAX_STATUS_BATCH, STATUS_SECTIONS } from './status';
export type {
  AlertsStatusDetail,
  ClusterStatusDetail,
  DatabaseStatusDetail,
  DnsRecordStatus,
  DnsStatusDetail,
  EnvironmentStatus,
  EnvironmentStatusSections,
  FiringAlert,
  OriginCertificateStatus,
  StatusSection,
  StatusSectionName,
  StatusState,
  VotesStatusDetail,
  WorkloadReplicas,
  WorkloadsStatusDetail,
} from './status';
export type {
  CloudflareZoneOption,
  CloudflareZoneOptions,
  DatabaseOptions,
  KubernetesOptions,
  NodeSizeOption,
} from './options';
