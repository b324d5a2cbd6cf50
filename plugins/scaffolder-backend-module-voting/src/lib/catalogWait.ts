import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { readDurationFromConfig, type Config } from '@backstage/config';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import { toError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { durationToMilliseconds } from '@backstage/types';
import {
  formatDuration,
  realClock,
  waitUntil,
  type Clock,
} from '@voting-platform/timing';
import {
  ENVIRONMENT_ANNOTATION,
  ENVIRONMENT_NAMESPACE,
  ENVIRONMENT_UPDATED_AT_ANNOTATION,
  environmentComponentRef,
  type VotingEnvironment,
} from '@voting-platform/plugin-voting-common';

/** The config key that bounds the wait (a duration: `2m`, `{ minutes: 2 }`). */
export const CATALOG_WAIT_TIMEOUT_KEY =
  'voting.environments.catalogWaitTimeout';

/**
 * The catalog processes a delta of the voting entity provider within seconds; two minutes cover a
 * busy catalog without holding a task much longer than a person would wait.
 */
const DEFAULT_TIMEOUT_MS = 2 * 60_000;
const DEFAULT_INTERVAL_MS = 500;

/**
 * How the environment actions wait for the catalog: the catalog itself, and how long and how
 * often they look.
 *
 * @public
 */
export interface CatalogWaitOptions {
  /** The catalog the wait reads, with the scaffolder's own credentials. */
  catalog: CatalogService;
  /** Give up after this long (default: `voting.environments.catalogWaitTimeout`, else 2 minutes). */
  timeoutMs?: number;
  /** Time between looks (default 500 ms). */
  intervalMs?: number;
  /** Time for the wait (default: real time). */
  clock?: Clock;
}

/** The bound of the wait that config sets, if it sets one. */
export function catalogWaitTimeoutFromConfig(
  config: Config,
): number | undefined {
  return config.has(CATALOG_WAIT_TIMEOUT_KEY)
    ? durationToMilliseconds(
        readDurationFromConfig(config, { key: CATALOG_WAIT_TIMEOUT_KEY }),
      )
    : undefined;
}

interface WaitContext {
  auth: AuthService;
  logger: LoggerService;
  signal?: AbortSignal;
}

/**
 * Waits until `look` finds the catalog as `what` says: it reads with this plugin's own credentials,
 * so that the wait measures the catalog's processing, not what one user may read. Logs what it
 * waits for and how long it took; on time-out, throws an error that says so and that a retry is
 * safe (the record is written: a retried task finds it done and waits again).
 */
async function waitForCatalog(
  options: CatalogWaitOptions,
  ctx: WaitContext,
  what: string,
  look: () => Promise<{ done: boolean; seen: string }>,
): Promise<void> {
  const clock = options.clock ?? realClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  ctx.logger.info(
    `Waiting until the catalog ${what} (at most ${formatDuration(timeoutMs)})`,
  );
  let lastSeen = 'has not answered';
  const started = clock.now();
  await waitUntil(
    async () => {
      // A catalog that answers with an error now and then (a restart, a 5xx) is waited out too.
      try {
        const { done, seen } = await look();
        lastSeen = seen;
        return done || undefined;
      } catch (error) {
        lastSeen = `answered with an error (${toError(error).message})`;
        return undefined;
      }
    },
    {
      timeoutMs,
      intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
      clock,
      signal: ctx.signal,
      timeoutMessage: waited =>
        `Gave up after ${formatDuration(
          waited,
        )} waiting until the catalog ${what}: it ${lastSeen}. The portal's record is up to date, so running the task again is safe: it finds the record done and waits again. If this repeats, look in the backend's log for the catalog's voting-environments provider.`,
    },
  );
  ctx.logger.info(`The catalog ${what}: after ${clock.now() - started} ms`);
}

/** Reads the catalog with this plugin's own credentials. */
async function readAs(auth: AuthService) {
  return { credentials: await auth.getOwnServiceCredentials() };
}

/**
 * Waits until the catalog serves the environment's Component as the record now is (its
 * updated-at annotation is the record's), so that the task's link to its entity page works.
 */
export async function waitUntilCatalogServes(
  options: CatalogWaitOptions,
  ctx: WaitContext,
  environment: VotingEnvironment,
): Promise<void> {
  const ref = environmentComponentRef(environment.name);
  await waitForCatalog(
    options,
    ctx,
    `serves ${ref} as recorded at ${environment.updatedAt}`,
    async () => {
      const entity: Entity | undefined = await options.catalog.getEntityByRef(
        ref,
        await readAs(ctx.auth),
      );
      const servedAt =
        entity?.metadata.annotations?.[ENVIRONMENT_UPDATED_AT_ANNOTATION];
      return {
        // A later write (another task, a retry) is served as a newer time: that one is done too.
        done:
          servedAt !== undefined &&
          Date.parse(servedAt) >= Date.parse(environment.updatedAt),
        seen: entity
          ? `serves ${ref} as recorded at ${servedAt ?? 'an unknown time'}`
          : `serves no ${ref}`,
      };
    },
  );
}

/** Waits until the catalog serves none of the entities made from the environment of this name. */
export async function waitUntilCatalogForgets(
  options: CatalogWaitOptions,
  ctx: WaitContext,
  name: string,
): Promise<void> {
  await waitForCatalog(
    options,
    ctx,
    `serves none of the entities of environment "${name}"`,
    async () => {
      const { items } = await options.catalog.getEntities(
        {
          filter: {
            'metadata.namespace': ENVIRONMENT_NAMESPACE,
            [`metadata.annotations.${ENVIRONMENT_ANNOTATION}`]: name,
          },
          fields: ['kind', 'metadata.namespace', 'metadata.name'],
        },
        await readAs(ctx.auth),
      );
      const refs = items.map(e => stringifyEntityRef(e));
      return {
        done: refs.length === 0,
        seen: `serves ${refs.join(', ')}`,
      };
    },
  );
}
