import { InputError } from '@backstage/errors';
import type { z } from 'zod/v3';
import type { Zod } from './input';

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
 * The `outcome`s of a `delete` action, for its output field: `outcome: z => z.enum(DELETE_OUTCOMES)`.
 *
 * @public
 */
export const DELETE_OUTCOMES = ['deleted', 'absent', 'would-delete'] as const;

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

const DRY_RUN_ID_PREFIX = 'dry-run-';

/**
 * The id output of a resource a dry run would create: recognisable in a later step's dry-run log,
 * and never mistaken for a real id.
 *
 * @public
 */
export function dryRunId(resource: string, name: string): string {
  return `${DRY_RUN_ID_PREFIX}${resource}-${name}`;
}

/**
 * True for a placeholder {@link dryRunId} made.
 *
 * @public
 */
export function isDryRunId(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(DRY_RUN_ID_PREFIX);
}

/**
 * An id input that also takes an earlier step's dry-run placeholder (`dry-run-vpc-x`), so that a
 * dry run of a whole template gets past the first step that names what an earlier step would
 * create: `vpcId: z => idOrDryRunId(z, z.string().uuid()).optional()`. The JSON schema the
 * scaffolder checks says both; {@link dryRunPlaceholders} refuses the placeholder in a real run.
 *
 * @public
 */
export function idOrDryRunId<T extends z.ZodTypeAny>(
  zod: Zod,
  id: T,
): z.ZodUnion<[T, z.ZodString]> {
  return zod.union([
    id,
    zod
      .string()
      .startsWith(DRY_RUN_ID_PREFIX)
      .describe("in a dry run: an earlier step's dry-run placeholder"),
  ]);
}

/**
 * Which of these id inputs hold an earlier step's dry-run placeholder. A dry run reads nothing at
 * the provider for them (the resource does not exist yet) and says what it would do with the one
 * the earlier step would create ({@link describePlaceholder}). A real run never takes one: that
 * is an `InputError` naming the fields, before anything is read or written.
 *
 * @public
 */
export function dryRunPlaceholders<K extends string>(
  isDryRun: boolean | undefined,
  ids: Partial<Record<K, string | undefined>>,
): Set<K> {
  const placeholders = (Object.keys(ids) as K[]).filter(field =>
    isDryRunId(ids[field]),
  );
  if (!isDryRun && placeholders.length > 0)
    throw new InputError(
      `${placeholders
        .map(field => `${field}: ${ids[field]}`)
        .join(
          '; ',
        )}: a dry run's placeholder, not the id of a resource (a real run needs the id the earlier step outputs)`,
    );
  return new Set(placeholders);
}

/**
 * How a dry-run log line names what an earlier step would create, e.g.
 * `the VPC that an earlier step would create (dry-run-vpc-x)`.
 *
 * @public
 */
export function describePlaceholder(what: string, id: string): string {
  return `the ${what} that an earlier step would create (${id})`;
}
