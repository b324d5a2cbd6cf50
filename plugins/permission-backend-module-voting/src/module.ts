import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { readVotingPermissionsConfig } from './config';
import { createGuardRouter } from './guard';
import { VotingPermissionPolicy } from './policy';

/**
 * The voting platform's permission policy (replaces the allow-all policy module).
 *
 * @public
 */
export const permissionModuleVotingPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'voting-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        policy: policyExtensionPoint,
      },
      async init({ config, policy }) {
        policy.setPolicy(
          new VotingPermissionPolicy(readVotingPermissionsConfig(config)),
        );
      },
    });
  },
});

/**
 * Checks the scaffolder's task, re-run and dry-run requests against the policy with the
 * template's parameters (the owner, the environment) before the scaffolder takes them, and
 * records each decision with the auditor service. The scaffolder's own permissions see no
 * parameters at task creation, hence a module of the scaffolder plugin in front of its routes.
 *
 * @public
 */
export const scaffolderModuleVotingGuard = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'voting-guard',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        auth: coreServices.auth,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        auditor: coreServices.auditor,
        discovery: coreServices.discovery,
        catalog: catalogServiceRef,
      },
      async init({ config, httpRouter, ...services }) {
        httpRouter.use(
          createGuardRouter({
            ...services,
            config,
            permissionsConfig: readVotingPermissionsConfig(config),
          }),
        );
      },
    });
  },
});
