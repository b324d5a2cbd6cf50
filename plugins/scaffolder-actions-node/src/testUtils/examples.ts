import type {
  TemplateAction,
  TemplateExample,
} from '@backstage/plugin-scaffolder-node';
import { parse } from 'yaml';
import { runAction, type RunOptions, type RunResult } from './runner';

/** @public */
export interface ExampleStep {
  id: string;
  action: string;
  input: Record<string, unknown>;
}

/**
 * The steps of an action example (`steps:` YAML as the scaffolder shows it).
 *
 * @public
 */
export function exampleSteps(example: TemplateExample): ExampleStep[] {
  const doc = parse(example.example) as { steps?: ExampleStep[] };
  if (!Array.isArray(doc?.steps) || doc.steps.length === 0)
    throw new Error(`example "${example.description}" has no steps`);
  return doc.steps.map(step => ({
    id: step.id,
    action: step.action,
    input: step.input ?? {},
  }));
}

const EXPRESSION = /\$\{\{\s*([^}]+?)\s*\}\}/g;

/**
 * Replaces the `${{ expression }}`s of an example's input with the values the test gives for
 * them (by the expression's text, e.g. `steps.vpc.output.vpcId`). A string that is one
 * expression takes the value with its type, as the scaffolder does; an expression without a
 * value is an error, so an example cannot silently run with a hole in it.
 *
 * @public
 */
export function renderInput(
  input: unknown,
  values: Record<string, unknown>,
): any {
  if (typeof input === 'string') {
    const whole = input.match(/^\$\{\{\s*([^}]+?)\s*\}\}$/);
    const value = (expression: string) => {
      if (!(expression in values))
        throw new Error(`no value for \${{ ${expression} }} in the example`);
      return values[expression];
    };
    if (whole) return value(whole[1]!);
    return input.replace(EXPRESSION, (_m, expression: string) =>
      String(value(expression)),
    );
  }
  if (Array.isArray(input)) return input.map(item => renderInput(item, values));
  if (input && typeof input === 'object')
    return Object.fromEntries(
      Object.entries(input).map(([k, v]) => [k, renderInput(v, values)]),
    );
  return input;
}

/**
 * Runs every step of every example of an action that uses it, with the `${{ }}` values given:
 * a real run, then a dry run of the same input. Throws when the dry run's outputs do not have
 * the real run's keys (the dialect: a dry run outputs what a real run does). Returns both runs
 * per step, for the caller's checks of the world.
 *
 * @public
 */
export async function runExamples(
  action: TemplateAction<any, any, any>,
  options: {
    values?: Record<string, unknown>;
    run?: (
      input: Record<string, unknown>,
      opts: RunOptions,
    ) => Promise<RunResult>;
  } & RunOptions = {},
): Promise<Array<{ example: string; real: RunResult; dry: RunResult }>> {
  const {
    values = {},
    run = (input, opts) => runAction(action, input, opts),
    ...opts
  } = options;
  const examples = action.examples ?? [];
  if (examples.length === 0) throw new Error(`${action.id} has no examples`);
  const results: Array<{ example: string; real: RunResult; dry: RunResult }> =
    [];
  for (const example of examples) {
    const steps = exampleSteps(example).filter(
      step => step.action === action.id,
    );
    if (steps.length === 0)
      throw new Error(
        `example "${example.description}" of ${action.id} has no step using it`,
      );
    for (const step of steps) {
      const input = renderInput(step.input, values);
      const real = await run(input, opts);
      const dry = await run(input, { ...opts, isDryRun: true });
      const keys = (r: RunResult) => Object.keys(r.outputs).sort().join(', ');
      if (keys(dry) !== keys(real))
        throw new Error(
          `${action.id}, example "${
            example.description
          }": the dry run outputs ${keys(dry)}, the real run ${keys(real)}`,
        );
      results.push({ example: example.description, real, dry });
    }
  }
  return results;
}
