import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { InputError, ResponseError } from '@backstage/errors';
import type {
  EnvironmentOutcome,
  EnvironmentSpec,
  VotingEnvironment,
} from '@voting-platform/plugin-voting-common';
import type { CatalogWaitOptions } from './catalogWait';

/**
 * What the environment actions need to reach the voting backend (its address and a service
 * token for it, as one Backstage plugin calls another) and to wait until the catalog serves
 * what they wrote.
 *
 * @public
 */
export interface VotingEnvironmentActionOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  catalogWait: CatalogWaitOptions;
}

/**
 * The voting backend's environments route, called with this plugin's own service token: the
 * route lets only services write.
 */
export function environmentsClient(
  { discovery, auth }: VotingEnvironmentActionOptions,
  signal?: AbortSignal,
) {
  const call = async (
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<Response> => {
    const baseUrl = await discovery.getBaseUrl('voting');
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'voting',
    });
    return fetch(`${baseUrl}/environments${path}`, {
      method,
      signal,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  };
  const ok = async (response: Response) => {
    if (response.ok) return response.json();
    // the route answers 400 for input it refuses: to the template author that is bad input
    if (response.status === 400) {
      const error = await ResponseError.fromResponse(response);
      throw new InputError(error.body.error.message);
    }
    throw await ResponseError.fromResponse(response);
  };
  const encoded = (name: string) => `/${encodeURIComponent(name)}`;
  return {
    async get(name: string): Promise<VotingEnvironment | undefined> {
      const response = await call('GET', encoded(name));
      if (response.status === 404) return undefined;
      return ok(response);
    },
    async register(
      name: string,
      spec: EnvironmentSpec,
      dryRun: boolean,
    ): Promise<{
      environment: VotingEnvironment;
      outcome: EnvironmentOutcome;
    }> {
      return ok(
        await call(
          'PUT',
          `${encoded(name)}${dryRun ? '?dryRun=true' : ''}`,
          spec,
        ),
      );
    },
    async unregister(name: string): Promise<{ outcome: 'deleted' | 'absent' }> {
      return ok(await call('DELETE', encoded(name)));
    },
  };
}
