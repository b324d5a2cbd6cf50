/**
 * What an `ensure` or `delete` action did, or in a dry run would do: the value of its `outcome`
 * output. A dry run says `would-…` only where a real run would change something; `unchanged` and
 * `absent` are facts it read, the same in both.
 *
 * @public
 */
export type Outcome =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'deleted'
  | 'absent'
  | 'would-create'
  | 'would-update'
  | 'would-delete';

/** @public */
export type Change = 'create' | 'update' | 'delete';

/**
 * The `outcome`s of an `ensure` action that can update what exists, for its output field:
 * `outcome: z => z.enum(ENSURE_OUTCOMES)`.
 *
 * @public
 */
export const ENSURE_OUTCOMES = [
  'created',
  'updated',
  'unchanged',
  'would-create',
  'would-update',
] as const;

/**
 * The outcome of a change this run makes, or (dry run) would make.
 *
 * @public
 */
export function outcomeOf<C extends Change>(
  isDryRun: boolean | undefined,
  change: C,
): `would-${C}` | `${C}d` {
  // each change is a verb ending in e: its past is the verb and a d
  return isDryRun ? `would-${change}` : (`${change}d` as const);
}

/**
 * What a log line can say was done.
 *
 * @public
 */
export type LoggedVerb = 'create' | 'update' | 'delete' | 'set' | 'reuse';

const PAST: Record<LoggedVerb, string> = {
  create: 'Created',
  update: 'Updated',
  delete: 'Deleted',
  set: 'Set',
  reuse: 'Reusing',
};

/**
 * One log line in the dialect's words: `Created VPC "x" in nyc1`, and in a dry run
 * `Dry run: would create VPC "x" in nyc1`. Every line of a dry run starts with `Dry run: `, so
 * the task log says plainly that nothing was changed.
 *
 * @public
 */
export function describeChange(
  isDryRun: boolean | undefined,
  verb: LoggedVerb,
  what: string,
): string {
  return isDryRun ? `Dry run: would ${verb} ${what}` : `${PAST[verb]} ${what}`;
}

/**
 * A log line about what was only read (`No records of x: nothing to delete`), with the dry-run
 * prefix when it applies.
 *
 * @public
 */
export function describeRead(
  isDryRun: boolean | undefined,
  text: string,
): string {
  return isDryRun ? `Dry run: ${text}` : text;
}

/**
 * The id output of a resource a dry run would create: recognisable in a later step's dry-run log,
 * and never mistaken for a real id.
 *
 * @public
 */
export function dryRunId(resource: string, name: string): string {
  return `dry-run-${resource}-${name}`;
}
