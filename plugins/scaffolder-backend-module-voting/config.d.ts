import type { HumanDuration } from '@backstage/types';

export interface Config {
  voting?: {
    environments?: {
      /**
       * How long voting:environment:register waits until the catalog serves the environment's
       * Component as recorded, and voting:environment:unregister until its entities have left
       * the catalog, before the step fails (a retry of the task is then safe). A duration, e.g.
       * `2m` or `{ minutes: 2 }`. Default: 2 minutes.
       */
      catalogWaitTimeout?: HumanDuration | string;
    };
  };
}
