import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { EnvironmentStore } from './environments/EnvironmentStore';
import { createEnvironmentsRouter } from './environments/router';
import { createRouter } from './router';

const DEFAULT_TIMEOUT_MS = 5000;

/**
 * The voting backend plugin: serves `GET /api/voting/entities/:kind/:namespace/:name/results`
 * and the record of environments under `/api/voting/environments`.
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
        database: coreServices.database,
        events: eventsServiceRef,
      },
      async init({
        logger,
        httpAuth,
        httpRouter,
        config,
        catalog,
        database,
        events,
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
        httpRouter.use(
          await createRouter({
            logger,
            httpAuth,
            catalog,
            timeoutMs,
            allowedHosts: allowedHosts?.map(host => host.toLowerCase()),
          }),
        );
        httpRouter.use(
          await createEnvironmentsRouter({
            logger,
            httpAuth,
            events,
            store: await EnvironmentStore.create(database),
          }),
        );
      },
    });
  },
});
