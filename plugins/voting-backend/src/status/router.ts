import type {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ENVIRONMENT_NAME_PATTERN,
  votingEnvironmentReadPermission,
} from '@voting-platform/plugin-voting-common';
import express from 'express';
import Router from 'express-promise-router';
import type { EnvironmentStore } from '../environments/EnvironmentStore';
import type { StatusService } from './StatusService';

export interface StatusRouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  store: EnvironmentStore;
  status: StatusService;
}

/** At most this many environments in one batch call. */
const MAX_BATCH = 200;

/**
 * `GET /environments/:name/status` and the batch form `POST /environments/status` (`{ names? }`;
 * without names, every recorded environment). Each environment is checked against
 * `voting.environment.read`; a batch leaves out the ones refused and names them in `denied`.
 */
export async function createStatusRouter(
  options: StatusRouterOptions,
): Promise<express.Router> {
  const { httpAuth, permissions, store, status } = options;
  const router = Router();
  router.use(express.json({ limit: '64kb' }));

  const allowed = async (req: express.Request, names: string[]) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    if (names.length === 0) return [];
    const decisions = await permissions.authorize(
      names.map(name => ({
        permission: votingEnvironmentReadPermission,
        resourceRef: name,
      })),
      { credentials },
    );
    return decisions.map(d => d.result === AuthorizeResult.ALLOW);
  };

  router.get('/environments/:name/status', async (req, res) => {
    const { name } = req.params;
    const [ok] = await allowed(req, [name]);
    if (!ok) {
      throw new NotAllowedError(
        `not allowed to read the status of environment "${name}"`,
      );
    }
    const environment = ENVIRONMENT_NAME_PATTERN.test(name)
      ? await store.get(name)
      : undefined;
    if (!environment) throw new NotFoundError(`no environment "${name}"`);
    res.setHeader('cache-control', 'no-store');
    res.json(await status.status(environment));
  });

  router.post('/environments/status', async (req, res) => {
    const names: unknown = req.body?.names;
    if (
      names !== undefined &&
      (!Array.isArray(names) ||
        names.length > MAX_BATCH ||
        names.some(n => typeof n !== 'string'))
    ) {
      throw new InputError(
        `names must be a list of at most ${MAX_BATCH} environment names`,
      );
    }
    const wanted = new Set(names as string[] | undefined);
    const environments = (await store.list()).filter(
      e => !names || wanted.has(e.name),
    );
    const decisions = await allowed(
      req,
      environments.map(e => e.name),
    );
    const readable = environments.filter((_, i) => decisions[i]);
    res.setHeader('cache-control', 'no-store');
    res.json({
      items: await Promise.all(readable.map(e => status.status(e))),
      denied: environments.filter((_, i) => !decisions[i]).map(e => e.name),
      missing: [...wanted].filter(n => !environments.some(e => e.name === n)),
    });
  });

  return router;
}
