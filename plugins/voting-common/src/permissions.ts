import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Permission resource type of a voting environment; the resource reference is the
 * environment's name, as the voting backend records it.
 *
 * @public
 */
export const RESOURCE_TYPE_VOTING_ENVIRONMENT = 'voting-environment';

/**
 * Read an environment's status: cluster, database, DNS, workloads and the live tallies.
 *
 * @public
 */
export const votingEnvironmentReadPermission = createPermission({
  name: 'voting.environment.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_VOTING_ENVIRONMENT,
});

/**
 * Every permission of the voting plugins.
 *
 * @public
 */
export const votingPermissions = [votingEnvironmentReadPermission];
