import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { EnvironmentStore } from './environments/EnvironmentStore';
import { createEnvironmentsRouter } from './environments/router';
import { votingPermissions } from '@voting-platform/plugin-voting-common';
import {
  environmentResourceRef,
  isEnvironmentOwner,
} from '@voting-platform/plugin-voting-node';
import { readLocalStack } from './localStack';
import { ProviderOptionsService } from './options/ProviderOptions';
import { createOptionsRouter } from './options/router';
import { createRouter } from './router';
import { createStatusRouter } from './status/router';
import { StatusService } from './status/StatusService';
import { WatchService } from './status/WatchService';

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_STATUS_CACHE_SECONDS = 30;
// regions, versions and prices change a few times a year
const DEFAULT_OPTIONS_CACHE_SECONDS = 600;
const DEFAULT_WATCH_LEASE_SECONDS = 60;
const DEFAULT_DECISION_CACHE_SECONDS = 5;
const DEFAULT_VOTES_SIGNAL_INTERVAL_MS = 100;

function positiveNumber(config: Config, key: string, fallback: number) {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!(value > 0)) {
    throw new Error(`${key} must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * The voting backend plugin: serves `GET /api/voting/entities/:kind/:namespace/:name/results`,
 * the record of environments under `/api/voting/environments`, and their live status under
 * `/api/voting/environments/:name/status` (batch: `POST /api/voting/environments/status`),
 * pushed as signals to those who watch (`POST /api/voting/environments/:name/watch`), and what
 * the providers offer for the create template's form under `/api/voting/options/...`.
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
        database: coreServices.database,
        events: eventsServiceRef,
        cache: coreServices.cache,
        signals: signalsServiceRef,
        lifecycle: coreServices.lifecycle,
      },
      async init({
        logger,
        httpAuth,
        httpRouter,
        config,
        catalog,
        database,
        events,
        cache,
        permissions,
        permissionsRegistry,
        signals,
        lifecycle,
      }) {
        const timeoutMs =
          config.getOptionalNumber('voting.resultsTimeoutMs') ??
          DEFAULT_TIMEOUT_MS;
        if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
          throw new Error(
            `voting.resultsTimeoutMs must be a positive integer, got ${timeoutMs}`,
          );
        }
        const cacheSeconds = positiveNumber(
          config,
          'voting.status.cacheSeconds',
          DEFAULT_STATUS_CACHE_SECONDS,
        );
        const optionsCacheSeconds = positiveNumber(
          config,
          'voting.options.cacheSeconds',
          DEFAULT_OPTIONS_CACHE_SECONDS,
        );
        const leaseSeconds = positiveNumber(
          config,
          'voting.status.leaseSeconds',
          DEFAULT_WATCH_LEASE_SECONDS,
        );
        const decisionCacheSeconds = positiveNumber(
          config,
          'voting.status.decisionCacheSeconds',
          DEFAULT_DECISION_CACHE_SECONDS,
        );
        const votesSignalIntervalMs = positiveNumber(
          config,
          'voting.status.votesSignalIntervalMs',
          DEFAULT_VOTES_SIGNAL_INTERVAL_MS,
        );
        const allowedHosts = config
          .getOptionalStringArray('voting.allowedResultHosts')
          ?.map(host => host.toLowerCase());
        const localStack = readLocalStack(config);
        if (localStack) {
          logger.info(
            `sandbox mode: every environment's votes are read from the local result service ${localStack.resultUrl}`,
          );
        }
        const store = await EnvironmentStore.create(database);
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
            allowedHosts,
            localStack,
          }),
        );
        httpRouter.use(
          await createEnvironmentsRouter({
            logger,
            httpAuth,
            events,
            store,
          }),
        );
        const watches = new WatchService({
          logger,
          signals,
          leaseSeconds,
          intervalSeconds: cacheSeconds,
          votesSignalIntervalMs,
          allowedResultHosts: allowedHosts,
          localStack,
        });
        const status = new StatusService({
          config,
          logger,
          cache,
          cacheSeconds,
          resultsTimeoutMs: timeoutMs,
          allowedResultHosts: allowedHosts,
          localStack,
          liveTallies: name => watches.liveTallies(name),
        });
        watches.attach(status);
        lifecycle.addShutdownHook(() => watches.stopAll());
        httpRouter.use(
          await createStatusRouter({
            httpAuth,
            permissions,
            store,
            status,
            watches,
            decisionCacheSeconds,
          }),
        );
        httpRouter.use(
          await createOptionsRouter({
            httpAuth,
            options: new ProviderOptionsService({
              config,
              logger,
              cache,
              cacheSeconds: optionsCacheSeconds,
            }),
          }),
        );
      },
    });
  },
});
