import type { TemplateAction } from '@backstage/plugin-scaffolder-node';

/**
 * What every action factory of the platform returns. An action's input and output are declared
 * once, by the zod fields of its schema (the scaffolder turns them into the JSON schema that the
 * templates, the forms and the docs read); the public signature does not repeat them as inferred
 * generics, which tsc prints with their unions and keys in an order that varies between builds,
 * so that the API reports would change without a change of API.
 *
 * @public
 */
export type ScaffolderAction = TemplateAction<any, any, 'v2'>;
