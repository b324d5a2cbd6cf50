import {
  AuditorService,
  AuthService,
  BackstageCredentials,
  BackstageUserPrincipal,
  DiscoveryService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { NotAllowedError, ResponseError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  isVotingAction,
  votingEnvironmentCreatePermission,
  votingEnvironmentDeletePermission,
  votingForeignTemplateActionsPermission,
} from '@voting-platform/plugin-voting-common';
import {
  createDigitalOceanClient,
  listAll,
} from '@voting-platform/plugin-digitalocean-node';
import { authorizeEnvironment } from '@voting-platform/plugin-voting-node';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { VotingPermissionsConfig } from './config';

/** The DigitalOcean tag on an environment's cluster that names its owning group. */
export const OWNER_TAG_PREFIX = 'owner:';

type Operation = 'create' | 'rerun' | 'teardown' | 'dry-run';

interface Run {
  templateRef: string;
  parameters: Record<string, unknown>;
  secrets?: Record<string, string>;
  /** The steps of an inline (dry-run) template; otherwise read from the catalog. */
  steps?: Array<{ action?: unknown }>;
}

export interface GuardOptions {
  permissionsConfig: VotingPermissionsConfig;
  config: Config;
  logger: LoggerService;
  auth: AuthService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  catalog: CatalogService;
  discovery: DiscoveryService;
}

/**
 * Routes in front of the scaffolder's own: a task, a re-run or a dry run that uses the product's
 * actions is refused (403, before the task exists) unless the policy allows it for the
 * environment the parameters name; each decision is an auditor event.
 */
export function createGuardRouter(options: GuardOptions): express.Router {
  const { httpAuth, auth } = options;
  const router = Router();
  // The scaffolder's own body parser sees the body already parsed and leaves it.
  router.use(express.json({ limit: '10MB' }));

  const guarded =
    (
      operation: (req: Request) => Operation,
      run: (req: Request, credentials: BackstageCredentials) => Promise<Run>,
    ) =>
    async (req: Request) => {
      const credentials = await httpAuth.credentials(req);
      if (auth.isPrincipal(credentials, 'user')) {
        await check(options, req, operation(req), credentials, () =>
          run(req, credentials),
        );
      }
      return 'next' as const;
    };

  router.post(
    '/v2/tasks',
    guarded(
      req =>
        options.permissionsConfig.teardownTemplates.includes(
          normalizeTemplateRef(req.body?.templateRef),
        )
          ? 'teardown'
          : 'create',
      async req => ({
        templateRef: req.body?.templateRef,
        parameters: req.body?.values ?? {},
        secrets: req.body?.secrets,
      }),
    ),
  );
  router.post(
    '/v2/tasks/:taskId/retry',
    guarded(
      () => 'rerun',
      (req, credentials) =>
        readTask(options, credentials, req.params.taskId as string),
    ),
  );
  router.post(
    '/v2/dry-run',
    guarded(
      () => 'dry-run',
      async req => ({
        templateRef: 'template:default/(inline dry run)',
        parameters: req.body?.values ?? {},
        steps: req.body?.template?.spec?.steps ?? [],
      }),
    ),
  );
  return router;
}

function normalizeTemplateRef(ref: unknown): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(String(ref), { defaultKind: 'template' }),
    );
  } catch {
    return String(ref);
  }
}

function normalizeGroupRef(ref: unknown): string | undefined {
  if (typeof ref !== 'string' || !ref) return undefined;
  try {
    return stringifyEntityRef(parseEntityRef(ref, { defaultKind: 'group' }));
  } catch {
    return undefined;
  }
}

async function readTask(
  options: GuardOptions,
  credentials: BackstageCredentials,
  taskId: string,
): Promise<Run> {
  const { token } = await options.auth.getPluginRequestToken({
    onBehalfOf: credentials,
    targetPluginId: 'scaffolder',
  });
  const baseUrl = await options.discovery.getBaseUrl('scaffolder');
  const response = await fetch(
    `${baseUrl}/v2/tasks/${encodeURIComponent(taskId)}`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  // Another team's task is not readable (the policy shows users their own tasks only).
  if (!response.ok) {
    throw new NotAllowedError(
      `may not re-run task ${taskId}`,
      await ResponseError.fromResponse(response),
    );
  }
  const task = (await response.json()) as {
    spec: {
      templateInfo?: { entityRef?: string };
      parameters?: Record<string, unknown>;
      steps?: Array<{ action?: unknown }>;
    };
  };
  return {
    templateRef: task.spec.templateInfo?.entityRef ?? '',
    parameters: task.spec.parameters ?? {},
    steps: task.spec.steps ?? [],
  };
}

/**
 * The environment's cluster at DigitalOcean, if there is one, with the group its
 * `owner:<name>` tag names (undefined for a cluster without the tag).
 */
async function findEnvironment(
  options: GuardOptions,
  name: string,
  secrets: Record<string, string> | undefined,
): Promise<{ owner?: string } | undefined> {
  const client = createDigitalOceanClient(
    { config: options.config },
    { secrets, logger: options.logger },
  );
  const clusters = await listAll(
    page =>
      client.api.kubernetes.listKubernetesClusters({ page, per_page: 200 }),
    data =>
      data.kubernetes_clusters as Array<{ name: string; tags?: string[] }>,
  );
  const cluster = clusters.find(c => c.name === name);
  if (!cluster) return undefined;
  const tag = cluster.tags?.find(t => t.startsWith(OWNER_TAG_PREFIX));
  return { owner: normalizeGroupRef(tag?.slice(OWNER_TAG_PREFIX.length)) };
}

async function check(
  options: GuardOptions,
  req: Request,
  requested: Operation,
  credentials: BackstageCredentials<BackstageUserPrincipal>,
  load: () => Promise<Run>,
) {
  const { permissionsConfig, permissions, catalog, auditor } = options;
  const user = credentials.principal.userEntityRef;
  let run: Run;
  try {
    run = await load();
  } catch (error) {
    const event = await auditor.createEvent({
      eventId: 'voting-environment',
      severityLevel: 'high',
      request: req,
      meta: { actionType: requested, user, taskId: req.params.taskId },
    });
    await event.fail({ error: error as Error, meta: { outcome: 'refused' } });
    throw error;
  }
  const templateRef = normalizeTemplateRef(run.templateRef);
  let steps = run.steps;
  if (!steps) {
    const template: Entity | undefined = await catalog.getEntityByRef(
      templateRef,
      { credentials },
    );
    // An unknown template is the scaffolder's to answer (404).
    if (!template) return;
    steps = (template.spec?.steps as Run['steps']) ?? [];
  }
  const actions = steps.map(step => String(step.action)).filter(isVotingAction);
  if (actions.length === 0) return;

  const isCreate = permissionsConfig.createTemplates.includes(templateRef);
  const isTeardown = permissionsConfig.teardownTemplates.includes(templateRef);
  const operation =
    requested === 'rerun' && isTeardown ? 'teardown' : requested;
  const environment = String(run.parameters.name ?? '');
  const event = await auditor.createEvent({
    eventId: 'voting-environment',
    severityLevel: 'high',
    request: req,
    meta: {
      actionType: requested,
      templateRef,
      environment,
      user,
    },
  });
  try {
    let owner: string | undefined;
    if (!isCreate && !isTeardown) {
      const [decision] = await permissions.authorize(
        [{ permission: votingForeignTemplateActionsPermission }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `${templateRef} is not one of the voting platform's templates and may not run ${actions.join(
            ', ',
          )}`,
        );
      }
    } else {
      const permission = isCreate
        ? votingEnvironmentCreatePermission
        : votingEnvironmentDeletePermission;
      const [decision] = await permissions.authorizeConditional(
        [{ permission }],
        { credentials },
      );
      const refuse = (reason: string) =>
        new NotAllowedError(
          `${user} may not ${
            operation === 'teardown' ? 'tear down' : operation
          } environment ${environment} (${reason})`,
        );
      owner = isCreate
        ? normalizeGroupRef(run.parameters.owner)
        : (await findEnvironment(options, environment, run.secrets))?.owner;
      if (!authorizeEnvironment(decision, { name: environment, owner })) {
        throw refuse(`owner: ${owner ?? 'unknown'}`);
      }
      // The create steps reuse what exists by name: creating "for" one's own team must not
      // take over another team's environment of the same name.
      if (isCreate) {
        const existing = await findEnvironment(
          options,
          environment,
          run.secrets,
        );
        if (
          existing &&
          existing.owner !== owner &&
          !authorizeEnvironment(decision, {
            name: environment,
            owner: existing.owner,
          })
        ) {
          throw refuse(
            `it exists and belongs to ${existing.owner ?? 'an unknown owner'}`,
          );
        }
      }
    }
    await event.success({ meta: { owner, outcome: 'allowed' } });
  } catch (error) {
    await event.fail({
      error: error as Error,
      meta: { outcome: 'refused' },
    });
    throw error;
  }
}
