import type {
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import type { EventsService } from '@backstage/plugin-events-node';
import {
  ENVIRONMENT_NAME_PATTERN,
  ENVIRONMENTS_EVENT_TOPIC,
  environmentSpecSchema,
  type EnvironmentEvent,
} from '@voting-platform/plugin-voting-common';
import express from 'express';
import Router from 'express-promise-router';
import type { EnvironmentStore } from './EnvironmentStore';

export interface EnvironmentsRouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  store: EnvironmentStore;
  events: EventsService;
}

function environmentName(name: string): string {
  if (!ENVIRONMENT_NAME_PATTERN.test(name)) {
    throw new InputError(
      `invalid environment name "${name}": lowercase letters, digits and dashes, 3 to 30 characters, starting with a letter`,
    );
  }
  return name;
}

/** The owner as a full group reference; a bare name means `group:default/<name>`. */
function groupRef(owner: string): string {
  let ref;
  try {
    ref = parseEntityRef(owner, {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
  } catch (error) {
    throw new InputError(`owner: ${(error as Error).message}`);
  }
  if (ref.kind.toLowerCase() !== 'group') {
    throw new InputError(`owner: ${owner} is not a group`);
  }
  return stringifyEntityRef(ref);
}

/**
 * `/environments`: the record of the environments the templates made. Anyone signed in reads it
 * (the catalog shows the same); only backend services write it, i.e. the scaffolder's
 * `voting:environment:register` and `:unregister` actions, so a person cannot record an
 * environment that no template made.
 */
export async function createEnvironmentsRouter(
  options: EnvironmentsRouterOptions,
): Promise<express.Router> {
  const { logger, httpAuth, store, events } = options;
  const router = Router();
  router.use(express.json({ limit: '16kb' }));

  const announce = async (event: EnvironmentEvent) => {
    try {
      await events.publish({
        topic: ENVIRONMENTS_EVENT_TOPIC,
        eventPayload: event,
      });
    } catch (error) {
      // the catalog's next full refresh picks the change up anyway
      logger.warn(
        `could not announce environment change: ${(error as Error).message}`,
      );
    }
  };

  router.get('/environments', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json({ items: await store.list() });
  });

  router.get('/environments/:name', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const name = environmentName(req.params.name);
    const environment = await store.get(name);
    if (!environment) throw new NotFoundError(`no environment "${name}"`);
    res.json(environment);
  });

  router.put('/environments/:name', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['service'] });
    const name = environmentName(req.params.name);
    const parsed = environmentSpecSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new InputError(
        `invalid environment "${name}": ${parsed.error.issues
          .map(issue => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
          .join('; ')}`,
      );
    }
    // `?dryRun=true`: the scaffolder's dry run asks what a register would do
    const dryRun = req.query.dryRun === 'true';
    const { environment, outcome } = await store.register(
      { ...parsed.data, name, owner: groupRef(parsed.data.owner) },
      { dryRun },
    );
    if (dryRun) {
      res.json({ environment, outcome });
      return;
    }
    logger.info(`environment ${name} ${outcome} (owner ${environment.owner})`);
    await announce({ type: 'registered', environment });
    res.json({ environment, outcome });
  });

  router.delete('/environments/:name', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['service'] });
    const name = environmentName(req.params.name);
    const outcome = await store.unregister(name);
    logger.info(`environment ${name} unregistered: ${outcome}`);
    await announce({ type: 'unregistered', name });
    res.json({ outcome });
  });

  return router;
}
