import type { BackendFeature } from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import { readdirSync } from 'node:fs';
import {
  scaffolderActionsExtensionPoint,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { exampleSteps } from './examples';

/**
 * Starts a backend with only this module (no config) and returns the actions it registers.
 *
 * @public
 */
export async function registeredActions(
  module: BackendFeature,
): Promise<TemplateAction<any, any, any>[]> {
  const actions: TemplateAction<any, any, any>[] = [];
  const backend = await startTestBackend({
    extensionPoints: [
      [
        scaffolderActionsExtensionPoint,
        {
          addActions: (...added: TemplateAction<any, any, any>[]) =>
            actions.push(...added),
        },
      ],
    ],
    features: [module],
  });
  await backend.stop();
  return actions;
}

/**
 * The factory name the dialect gives an action: `create<Provider><Resource><Verb>Action`, e.g.
 * `createDigitalOceanVpcEnsureAction` for `digitalocean:vpc:ensure` with provider `DigitalOcean`
 * (the provider's own spelling; the rest is the id's words in PascalCase).
 *
 * @public
 */
export function factoryName(actionId: string, provider: string): string {
  const words = actionId
    .split(':')
    .slice(1)
    .map(part =>
      part.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
    );
  return `create${provider}${words.join('')}Action`;
}

/** The verbs of the dialect (plugins/README.md); a module with another one names it in `verbs`. */
const VERBS = ['ensure', 'delete', 'read', 'render', 'register', 'unregister'];

/** The verbs whose actions change something, and so say what in an `outcome` output. */
const CHANGING_VERBS = ['ensure', 'delete', 'register', 'unregister'];

/**
 * What an action does against the dialect of plugins/README.md: its id is
 * `<provider>:<resource>[:<sub-resource>]:<verb>`, it supports dry runs, its input is a JSON
 * schema, it has examples and each example uses it, and an `ensure`, `delete`, `register` or
 * `unregister` action outputs `outcome`. Empty when it follows it.
 *
 * @public
 */
export function dialectProblems(
  action: TemplateAction<any, any, any>,
  options: { provider: string; verbs?: string[] },
): string[] {
  const problems: string[] = [];
  const verbs = options.verbs ?? VERBS;
  const parts = action.id.split(':');
  const verb = parts[parts.length - 1]!;
  if (
    parts[0] !== options.provider ||
    parts.length < 3 ||
    parts.some(p => !/^[a-z][a-z0-9-]*$/.test(p))
  ) {
    problems.push(
      `${action.id}: the id is not ${options.provider}:<resource>:<verb> in lowercase words`,
    );
  }
  if (!verbs.includes(verb))
    problems.push(
      `${action.id}: "${verb}" is not a verb of the dialect (${verbs.join(
        ', ',
      )})`,
    );
  if (!action.supportsDryRun) problems.push(`${action.id}: no dry-run support`);
  if (
    (action.schema?.input as { type?: string } | undefined)?.type !== 'object'
  )
    problems.push(`${action.id}: no JSON schema for its input`);
  const outputs = Object.keys(
    (action.schema?.output as { properties?: object } | undefined)
      ?.properties ?? {},
  );
  if (CHANGING_VERBS.includes(verb) && !outputs.includes('outcome'))
    problems.push(`${action.id}: no outcome output`);
  if (!action.examples?.length) problems.push(`${action.id}: no examples`);
  for (const example of action.examples ?? []) {
    if (!exampleSteps(example).some(step => step.action === action.id))
      problems.push(
        `${action.id}: example "${example.description}" does not use it`,
      );
  }
  return problems;
}

/**
 * The action files of a module's `src/actions` folder (`<resource><Verb>.ts`) that lack what the
 * dialect puts beside each: `.examples.ts`, `.test.ts` and `.examples.test.ts` (which runs every
 * example). Empty when every action has all three.
 *
 * @public
 */
export function missingActionFiles(actionsDir: string): string[] {
  const files = new Set(readdirSync(actionsDir));
  // index.ts re-exports; inputProperties.ts / outputProperties.ts hold schema pieces several actions share
  const shared = new Set([
    'index.ts',
    'inputProperties.ts',
    'outputProperties.ts',
  ]);
  const actions = [...files].filter(
    f =>
      f.endsWith('.ts') && !/\.(test|examples)\.ts$/.test(f) && !shared.has(f),
  );
  return actions.flatMap(f =>
    ['.examples.ts', '.test.ts', '.examples.test.ts']
      .map(suffix => f.replace(/\.ts$/, suffix))
      .filter(name => !files.has(name)),
  );
}
