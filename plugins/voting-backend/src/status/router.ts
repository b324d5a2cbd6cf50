import type {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import type { PolicyDecision } from '@backstage/plugin-permission-common';
import {
  ENVIRONMENT_NAME_PATTERN,
  MAX_STATUS_BATCH,
  STATUS_SECTIONS,
  votingEnvironmentReadPermission,
  type EnvironmentWatchLease,
  type StatusSectionName,
} from '@voting-platform/plugin-voting-common';
import { authorizeEnvironment } from '@voting-platform/plugin-voting-node';
import express from 'express';
import Router from 'express-promise-router';
import type { EnvironmentStore } from '../environments/EnvironmentStore';
import { DecisionCache } from './DecisionCache';
import type { StatusService } from './StatusService';
import type { WatchService } from './WatchService';

export interface StatusRouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  store: EnvironmentStore;
  status: StatusService;
  watches: WatchService;
  /** How long a user's permission decision is reused, in seconds. */
  decisionCacheSeconds: number;
}

/**
 * The sections named by `?sections=` (comma-separated, e.g. `votes` or `votes,cluster`), or
 * undefined without it: the whole status.
 */
function requestedSections(query: unknown): StatusSectionName[] | undefined {
  if (query === undefined) return undefined;
  const known = STATUS_SECTIONS.join(', ');
  if (typeof query !== 'string') {
    throw new InputError(
      `sections must be given once, as a comma-separated list of ${known}`,
    );
  }
  const names = query.split(',').map(name => name.trim());
  const unknown = names.filter(
    name => !(STATUS_SECTIONS as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    throw new InputError(
      `unknown status section ${unknown
        .map(name => `"${name}"`)
        .join(', ')}: the sections are ${known}`,
    );
  }
  return [...new Set(names as StatusSectionName[])];
}

/**
 * `GET /environments/:name/status` and the batch form `POST /environments/status` (`{ names? }`;
 * without names, every recorded environment). Each environment is checked against
 * `voting.environment.read`; a batch leaves out the ones refused and names them in `denied`.
 * `POST /environments/:name/watch` leases the environment to the signed-in user: while a lease
 * runs, its status is watched and changes are signalled (see {@link WatchService}).
 */
export async function createStatusRouter(
  options: StatusRouterOptions,
): Promise<express.Router> {
  const {
    httpAuth,
    permissions,
    store,
    status,
    watches,
    decisionCacheSeconds,
  } = options;
  const router = Router();
  router.use(express.json({ limit: '64kb' }));

  const keptDecisions = new DecisionCache<PolicyDecision>(decisionCacheSeconds);

  // One conditional decision per request, applied to each environment's recorded owner here: the
  // policy decides by ownership, and environments are not looked up by the permission framework.
  // A user's decision is kept for a few seconds and renewed in the background while it is used
  // (every viewer refetches at once on a signal: see DecisionCache); a service's is asked for
  // every time.
  const allowed = async (
    req: express.Request,
    environments: Array<{ name: string; owner: string }>,
  ) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    if (environments.length === 0) return [];
    const decide = async () =>
      (
        await permissions.authorizeConditional(
          [{ permission: votingEnvironmentReadPermission }],
          { credentials },
        )
      )[0];
    const { principal } = credentials;
    const decision =
      principal.type === 'user'
        ? await keptDecisions.get(principal.userEntityRef, decide)
        : await decide();
    return environments.map(environment =>
      authorizeEnvironment(decision, environment),
    );
  };

  /** The named environment, when the caller may read its status. */
  const readableEnvironment = async (req: express.Request) => {
    const { name } = req.params;
    const environment = ENVIRONMENT_NAME_PATTERN.test(name)
      ? await store.get(name)
      : undefined;
    // that an environment exists is visible to everyone signed in (the catalog shows it); its
    // status only to those the policy allows
    const [ok] = await allowed(req, environment ? [environment] : []);
    if (!environment) throw new NotFoundError(`no environment "${name}"`);
    if (!ok) {
      throw new NotAllowedError(
        `not allowed to read the status of environment "${name}"`,
      );
    }
    return environment;
  };

  router.get('/environments/:name/status', async (req, res) => {
    const sections = requestedSections(req.query.sections);
    const environment = await readableEnvironment(req);
    res.setHeader('cache-control', 'no-store');
    res.json(
      sections
        ? await status.sections(environment, sections)
        : await status.status(environment),
    );
  });

  router.post('/environments/:name/watch', async (req, res) => {
    // signals reach users only: a service has nothing to receive them with
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const environment = await readableEnvironment(req);
    const lease: EnvironmentWatchLease = {
      leaseSeconds: watches.watch(
        environment,
        credentials.principal.userEntityRef,
      ),
    };
    res.setHeader('cache-control', 'no-store');
    res.json(lease);
  });

  router.post('/environments/status', async (req, res) => {
    const names: unknown = req.body?.names;
    if (
      names !== undefined &&
      (!Array.isArray(names) ||
        names.length > MAX_STATUS_BATCH ||
        names.some(n => typeof n !== 'string'))
    ) {
      throw new InputError(
        `names must be a list of at most ${MAX_STATUS_BATCH} environment names`,
      );
    }
    const wanted = new Set(names as string[] | undefined);
    const environments = (await store.list()).filter(
      e => !names || wanted.has(e.name),
    );
    const decisions = await allowed(req, environments);
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
