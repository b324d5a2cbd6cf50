import {
  coreServices,
  createBackendModule,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import {
  ENVIRONMENTS_EVENT_TOPIC,
  type EnvironmentEvent,
} from '@voting-platform/plugin-voting-common';
import { VotingEnvironmentProvider } from './VotingEnvironmentProvider';

const SCHEDULE_KEY = 'catalog.providers.votingEnvironments.schedule';

/**
 * The voting environments in the catalog: reads the voting backend's records on a schedule, and
 * applies each register or unregister as soon as the voting backend announces it.
 *
 * @public
 */
export const catalogModuleVotingEnvironments = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'voting-environments',
  register(reg) {
    reg.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        events: eventsServiceRef,
      },
      async init({
        catalog,
        config,
        discovery,
        auth,
        logger,
        scheduler,
        events,
      }) {
        const provider = new VotingEnvironmentProvider({
          discovery,
          auth,
          logger,
        });
        catalog.addEntityProvider(provider);
        const schedule = config.has(SCHEDULE_KEY)
          ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
              config.getConfig(SCHEDULE_KEY),
            )
          : {
              frequency: { minutes: 10 },
              timeout: { minutes: 1 },
              initialDelay: { seconds: 5 },
            };
        await scheduler.scheduleTask({
          id: 'voting-environments-refresh',
          ...schedule,
          fn: () => provider.refresh(),
        });
        await events.subscribe({
          id: 'voting-environments-provider',
          topics: [ENVIRONMENTS_EVENT_TOPIC],
          onEvent: async ({ eventPayload }) => {
            await provider
              .apply(eventPayload as EnvironmentEvent)
              .catch(error =>
                // the next full refresh brings the catalog up to date
                logger.warn(
                  `could not apply voting environment event: ${error.message}`,
                ),
              );
          },
        });
      },
    });
  },
});
