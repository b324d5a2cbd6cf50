import {
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  fetchPollResults,
  RESULT_URL_ANNOTATION,
  resultsApiUrl,
  ResultServiceError,
  votingEnvironmentReadPermission,
  type EntityResults,
  type LocalStackSource,
} from '@voting-platform/plugin-voting-common';
import { authorizeEnvironment } from '@voting-platform/plugin-voting-node';
import express from 'express';
import Router from 'express-promise-router';

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  catalog: CatalogService;
  /** How long to wait for a result service, in milliseconds. */
  timeoutMs: number;
  /** Hosts the annotation may point at (`host` or `host:port`); any when undefined. */
  allowedHosts?: string[];
  /** Sandbox mode: the local stack answers for every entity (`voting.sandbox`). */
  localStack?: LocalStackSource;
}

/**
 * How long a result service's answer is shared: the cards of entities that are no environment
 * ask every few seconds, and any number of them then cost one call a second per result service.
 */
const RESULTS_SHARED_MS = 1000;

/** Entity kinds, namespaces and names as the catalog model allows them. */
const KIND = /^[a-zA-Z][a-zA-Z0-9]{0,62}$/;
const NAME = /^[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { logger, httpAuth, permissions, catalog, timeoutMs, allowedHosts } =
    options;
  const { localStack } = options;
  const router = Router();
  // answers by result service URL, each shared for RESULTS_SHARED_MS (a failure is not shared)
  const recent = new Map<
    string,
    { until: number; answer: ReturnType<typeof fetchPollResults> }
  >();
  const pollResults = (resultUrl: string) => {
    const now = Date.now();
    const shared = recent.get(resultUrl);
    if (shared && shared.until > now) return shared.answer;
    const answer = fetchPollResults(resultUrl, { timeoutMs });
    recent.set(resultUrl, { until: now + RESULTS_SHARED_MS, answer });
    answer.catch(() => {
      if (recent.get(resultUrl)?.answer === answer) recent.delete(resultUrl);
    });
    return answer;
  };

  /**
   * The live tallies of the result service that an entity's
   * `voting-platform.io/result-url` annotation points at.
   */
  router.get('/entities/:kind/:namespace/:name/results', async (req, res) => {
    const { kind, namespace, name } = req.params;
    if (!KIND.test(kind) || !NAME.test(namespace) || !NAME.test(name)) {
      throw new InputError(
        `invalid entity reference ${kind}:${namespace}/${name}`,
      );
    }
    const entityRef = stringifyEntityRef({ kind, namespace, name });
    const credentials = await httpAuth.credentials(req);
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity) {
      throw new NotFoundError(`no entity ${entityRef} in the catalog`);
    }
    // Everyone who may read the entity sees that it exists; its status only its owners.
    const owner = entity.spec?.owner;
    const [decision] = await permissions.authorizeConditional(
      [{ permission: votingEnvironmentReadPermission }],
      { credentials },
    );
    if (
      !authorizeEnvironment(decision, {
        name: entityRef,
        owner:
          typeof owner === 'string'
            ? stringifyEntityRef(
                parseEntityRef(owner, {
                  defaultKind: 'group',
                  defaultNamespace: entity.metadata.namespace,
                }),
              )
            : undefined,
      })
    ) {
      throw new NotAllowedError(
        `not allowed to read the status of ${entityRef}`,
      );
    }
    const baseUrl = entity.metadata.annotations?.[RESULT_URL_ANNOTATION];
    if (!baseUrl) {
      throw new NotFoundError(
        `${entityRef} has no ${RESULT_URL_ANNOTATION} annotation`,
      );
    }
    // In sandbox mode the annotation's URL is not read, so it is not checked either.
    if (!localStack) checkResultUrl(baseUrl, entityRef, allowedHosts);
    const resultUrl = localStack?.resultUrl ?? baseUrl;
    try {
      const results = await pollResults(resultUrl);
      const body: EntityResults = {
        entityRef,
        resultUrl,
        results,
        ...(localStack ? { servedBy: localStack } : {}),
      };
      res.setHeader('cache-control', 'no-store');
      res.json(body);
    } catch (error) {
      if (error instanceof ResultServiceError) {
        logger.warn(`results of ${entityRef}: ${error.message}`);
        throw new ServiceUnavailableError(
          `${
            localStack
              ? `the local result service, which answers for ${entityRef} in sandbox mode,`
              : `the result service of ${entityRef}`
          } is not available: ${error.message}`,
        );
      }
      throw error;
    }
  });

  return router;
}

/** The annotation's URL must be a result service's, on an allowed host when the list is set. */
function checkResultUrl(
  baseUrl: string,
  entityRef: string,
  allowedHosts: string[] | undefined,
) {
  let apiUrl: URL;
  try {
    apiUrl = resultsApiUrl(baseUrl);
  } catch (error) {
    throw new InputError(
      `the ${RESULT_URL_ANNOTATION} annotation of ${entityRef} is invalid: ${
        (error as Error).message
      }`,
    );
  }
  if (allowedHosts && !allowedHosts.includes(apiUrl.host)) {
    throw new NotAllowedError(
      `${apiUrl.host} (from the ${RESULT_URL_ANNOTATION} annotation of ${entityRef}) is not in voting.allowedResultHosts`,
    );
  }
}
