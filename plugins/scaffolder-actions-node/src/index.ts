/**
 * The plumbing every scaffolder module of the platform shares, so that its actions speak one
 * dialect (see plugins/README.md): input parsing that applies defaults, the dry-run words and
 * placeholders, and checkpoint keys. The action test kit is in `./testUtils`.
 *
 * @packageDocumentation
 */
export { parseInput, type InputShape, type Zod } from './input';
export {
  describeChange,
  describePlaceholder,
  describeRead,
  dryRunId,
  dryRunPlaceholders,
  idOrDryRunId,
  isDryRunId,
  DELETE_OUTCOMES,
  ENSURE_OUTCOMES,
  outcomeOf,
  type Change,
  type LoggedVerb,
  type Outcome,
} from './dryRun';
export { checkpointKey, runCheckpoint } from './checkpoint';
export { readStepFile } from './workspace';
export type { ScaffolderAction } from './action';
