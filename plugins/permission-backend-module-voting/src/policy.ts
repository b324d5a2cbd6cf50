import {
  AuthorizeResult,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  catalogEntityDeletePermission,
  catalogLocationDeletePermission,
  RESOURCE_TYPE_CATALOG_ENTITY,
} from '@backstage/plugin-catalog-common/alpha';
import {
  createScaffolderTaskConditionalDecision,
  scaffolderTaskConditions,
} from '@backstage/plugin-scaffolder-backend/alpha';
import {
  RESOURCE_TYPE_SCAFFOLDER_TASK,
  taskCancelPermission,
  taskReadPermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import {
  RESOURCE_TYPE_VOTING_ENVIRONMENT,
  votingForeignTemplateActionsPermission,
} from '@voting-platform/plugin-voting-common';
import { votingEnvironmentConditions } from '@voting-platform/plugin-voting-node';
import { VotingPermissionsConfig } from './config';

const allow: PolicyDecision = { result: AuthorizeResult.ALLOW };
const deny: PolicyDecision = { result: AuthorizeResult.DENY };

/**
 * The voting platform's policy. The platform group may do everything; anyone else signed in
 * may create, tear down and read the status of the environments their groups own, read and
 * cancel only their own scaffolder tasks, unregister only the catalog entities their groups own
 * (and no location, which may hold any team's entities), and run the product's actions only from
 * the product's templates (the scaffolder guard asks for the environment permissions with the
 * template's parameters). Everything else, e.g. reading the catalog, stays allowed.
 */
export class VotingPermissionPolicy implements PermissionPolicy {
  constructor(private readonly config: VotingPermissionsConfig) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    // Backend-to-backend calls and the operator's configured script tokens carry no user.
    if (!user) return allow;
    const claims = user.info.ownershipEntityRefs;
    if (
      claims.includes(this.config.platformGroup) ||
      this.config.platformUsers.includes(user.info.userEntityRef)
    ) {
      return allow;
    }
    const { permission } = request;
    if (
      permission.name === votingForeignTemplateActionsPermission.name ||
      permission.name === catalogLocationDeletePermission.name
    ) {
      return deny;
    }
    if (isResourcePermission(permission, RESOURCE_TYPE_VOTING_ENVIRONMENT)) {
      return votingEnvironmentConditions.createConditionalDecision(
        permission,
        votingEnvironmentConditions.conditions.isEnvironmentOwner({ claims }),
      );
    }
    // Task logs and outputs name the environment's addresses: only their creator's.
    if (
      isResourcePermission(permission, RESOURCE_TYPE_SCAFFOLDER_TASK) &&
      (permission.name === taskReadPermission.name ||
        permission.name === taskCancelPermission.name)
    ) {
      return createScaffolderTaskConditionalDecision(
        permission,
        scaffolderTaskConditions.isTaskOwner({
          createdBy: [user.info.userEntityRef],
        }),
      );
    }
    // Another team's entity (an environment, a service) does not vanish from the catalog by a click.
    if (
      isResourcePermission(permission, RESOURCE_TYPE_CATALOG_ENTITY) &&
      permission.name === catalogEntityDeletePermission.name
    ) {
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims }),
      );
    }
    return allow;
  }
}
