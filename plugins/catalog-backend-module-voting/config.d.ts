import type { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  catalog?: {
    providers?: {
      /** The voting environments entity provider. */
      votingEnvironments?: {
        /**
         * How often the provider reads every environment from the voting backend (a full
         * refresh). Registers and unregisters reach the catalog at once through events; this
         * heals anything an event missed. Default: every 10 minutes, time-out 1 minute.
         */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      };
    };
  };
}
