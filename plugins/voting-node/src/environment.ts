import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import { RESOURCE_TYPE_VOTING_ENVIRONMENT } from '@voting-platform/plugin-voting-common';
import { z } from 'zod';

/**
 * A voting environment as the permission framework sees it.
 *
 * @public
 */
export interface VotingEnvironment {
  /** The environment's name (the templates' `name` parameter). */
  name: string;
  /** Entity ref of the owning group, e.g. `group:default/team-a`; undefined when not known. */
  owner?: string;
}

/**
 * The voting-environment resource, owned by the voting plugin.
 *
 * @public
 */
export const environmentResourceRef = createPermissionResourceRef<
  VotingEnvironment,
  never
>().with({
  pluginId: 'voting',
  resourceType: RESOURCE_TYPE_VOTING_ENVIRONMENT,
});

/**
 * True when the environment's owner is one of the claims (a user's ownership entity refs).
 *
 * @public
 */
export const isEnvironmentOwner = createPermissionRule({
  name: 'IS_ENVIRONMENT_OWNER',
  description: 'Allow environments owned by one of the given entity refs',
  resourceRef: environmentResourceRef,
  paramsSchema: z.object({
    claims: z
      .array(z.string())
      .describe('Entity refs of the user and the groups the user belongs to'),
  }),
  apply: (environment, { claims }) =>
    environment.owner !== undefined &&
    claims.includes(environment.owner.toLocaleLowerCase('en-US')),
  // Environments are not listed from a database, so there is nothing to filter by query.
  toQuery: () => {
    throw new Error('IS_ENVIRONMENT_OWNER is not a query filter');
  },
});

/**
 * Conditions for a permission policy: `votingEnvironmentConditions.conditions.isEnvironmentOwner(...)`
 * and `createConditionalDecision`.
 *
 * @public
 */
export const votingEnvironmentConditions = createConditionExports({
  pluginId: 'voting',
  resourceType: RESOURCE_TYPE_VOTING_ENVIRONMENT,
  rules: { isEnvironmentOwner },
});

const authorizer = createConditionAuthorizer([isEnvironmentOwner]);

/**
 * Applies a policy decision (from `authorizeConditional`) to one environment.
 *
 * @public
 */
export function authorizeEnvironment(
  decision: PolicyDecision,
  environment: VotingEnvironment,
): boolean {
  if (decision.result === AuthorizeResult.CONDITIONAL) {
    return authorizer(decision, environment);
  }
  return decision.result === AuthorizeResult.ALLOW;
}
