import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Permission resource type of a voting environment: what the create template makes (cluster,
 * database, DNS) and the teardown template removes, owned by one catalog group.
 *
 * @public
 */
export const RESOURCE_TYPE_VOTING_ENVIRONMENT = 'voting-environment';

const environmentPermission = <TAction extends 'create' | 'delete' | 'read'>(
  action: TAction,
) =>
  createPermission({
    name: `voting.environment.${action}` as const,
    attributes: { action },
    resourceType: RESOURCE_TYPE_VOTING_ENVIRONMENT,
  });

/**
 * Create an environment for its owner (the create template's `owner` parameter).
 *
 * @public
 */
export const votingEnvironmentCreatePermission =
  environmentPermission('create');

/**
 * Tear an environment down.
 *
 * @public
 */
export const votingEnvironmentDeletePermission =
  environmentPermission('delete');

/**
 * Read an environment's status: the live tallies and the addresses of its services.
 *
 * @public
 */
export const votingEnvironmentReadPermission = environmentPermission('read');

/**
 * Run the product's cloud actions (`digitalocean:*`, `cloudflare:*`, `kubernetes:*`,
 * `voting:*`) from a template that is not one of the product's own, dry runs included.
 *
 * @public
 */
export const votingForeignTemplateActionsPermission = createPermission({
  name: 'voting.actions.foreign-template',
  attributes: { action: 'update' },
});

/**
 * Every permission of the voting plugins.
 *
 * @public
 */
export const votingPermissions = [
  votingEnvironmentCreatePermission,
  votingEnvironmentDeletePermission,
  votingEnvironmentReadPermission,
  votingForeignTemplateActionsPermission,
];

/**
 * The action id prefixes of the product's scaffolder actions. Matched by prefix so that renamed
 * or added actions of these providers are covered without a list of ids.
 *
 * @public
 */
export const VOTING_ACTION_PREFIXES = [
  'digitalocean:',
  'cloudflare:',
  'kubernetes:',
  'voting:',
] as const;

/**
 * Whether a scaffolder action id is one of the product's.
 *
 * @public
 */
export function isVotingAction(actionId: string): boolean {
  return VOTING_ACTION_PREFIXES.some(prefix => actionId.startsWith(prefix));
}
