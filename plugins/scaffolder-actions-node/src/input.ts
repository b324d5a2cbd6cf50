import { InputError } from '@backstage/errors';
import { z } from 'zod/v3';

/**
 * The zod the scaffolder hands to input fields.
 *
 * @public
 */
export type Zod = typeof z;

/**
 * An action's input fields, in the form `createTemplateAction` takes them.
 *
 * @public
 */
export type InputShape = Record<string, (zImpl: typeof z) => z.ZodTypeAny>;

/**
 * Parses an action's input with the same zod fields the action declares. The scaffolder checks
 * only the JSON schema made from them and hands the handler `ctx.input` as the template wrote it:
 * it does not apply `.default()`s. This applies them, and runs the checks across fields that a
 * JSON schema cannot express (`refine`). Errors are one `InputError` naming every field, e.g.
 * `Invalid input: nodePool.count: ...`.
 *
 * zod/v3 because the scaffolder hands action schemas its v3-compatible zod, and the same field
 * functions must build both the JSON schema and this parser.
 *
 * @public
 */
export function parseInput<
  S extends InputShape,
  T = { [K in keyof S]: z.output<ReturnType<S[K]>> },
>(
  shape: S,
  input: unknown,
  refine?: (
    value: { [K in keyof S]: z.output<ReturnType<S[K]>> },
    ctx: z.RefinementCtx,
  ) => void,
): T {
  const fields = Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [key, field(z)]),
  );
  let schema: z.ZodTypeAny = z.object(fields).strict();
  if (refine) schema = schema.superRefine(refine as any);
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    const problems = result.error.issues.map(
      issue => `${issue.path.join('.') || '(input)'}: ${issue.message}`,
    );
    throw new InputError(`Invalid input: ${problems.join('; ')}`);
  }
  return result.data as T;
}
