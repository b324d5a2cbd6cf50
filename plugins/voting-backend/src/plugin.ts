import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
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
        httpRouter: coreServices.httpRouter,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
      },
      async init({ logger, httpAuth, httpRouter, config, catalog }) {
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
        httpRouter.use(
          await createRouter({
            logger,
            httpAuth,
            catalog,
            timeoutMs,
            allowedHosts: allowedHosts?.map(host => host.toLowerCase()),
          }),
        );
      },
    });
  },
});
