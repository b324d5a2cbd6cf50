import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { votingPermissions } from '@voting-platform/plugin-voting-common';
import {
  environmentResourceRef,
  isEnvironmentOwner,
} from '@voting-platform/plugin-voting-node';
import { createRouter } from './router';

const DEFAULT_TIMEOUT_MS = 5000;

/**
 * The voting backend plugin: serves `GET /api/voting/entities/:kind/:namespace/:name/results`.
 *
 * @public
 */
export const votingPlugin = createBackendPlugin({
  pluginId: 'voting',
  register(env) {
    env.registerInit({
      deps: {
        logger: coreServices.logger,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        httpRouter: coreServices.httpRouter,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
      },
      async init({
        logger,
        httpAuth,
        permissions,
        permissionsRegistry,
        httpRouter,
        config,
        catalog,
      }) {
        const timeoutMs =
          config.getOptionalNumber('voting.resultsTimeoutMs') ??
          DEFAULT_TIMEOUT_MS;
        if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
          throw new Error(
            `voting.resultsTimeoutMs must be a positive integer, got ${timeoutMs}`,
          );
        }
        const allowedHosts = config.getOptionalStringArray(
          'voting.allowedResultHosts',
        );
        // No getResources: environments are decided where they are used (the status route
        // here, the templates in the scaffolder), never looked up by ref.
        permissionsRegistry.addResourceType({
          resourceRef: environmentResourceRef,
          rules: [isEnvironmentOwner],
        });
        permissionsRegistry.addPermissions(votingPermissions);
        httpRouter.use(
          await createRouter({
            logger,
            httpAuth,
            permissions,
            catalog,
            timeoutMs,
            allowedHosts: allowedHosts?.map(host => host.toLowerCase()),
          }),
        );
      },
    });
  },
});
