import type { RootConfigService } from '@backstage/backend-plugin-api';
import type { TaskSecrets } from '@backstage/plugin-scaffolder-node';
import {
  ConflictError,
  CustomErrorBase,
  InputError,
  NotFoundError,
} from '@backstage/errors';
import Cloudflare, { APIConnectionError, APIError } from 'cloudflare';

/** The task secret that overrides `cloudflare.apiToken` for one task. */
export const TOKEN_SECRET = 'cloudflareApiToken';
const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * What every Cloudflare action is created with.
 *
 * @public
 */
export interface CloudflareActionOptions {
  config: RootConfigService;
}

export interface CloudflareClient {
  /** The SDK; it retries 408, 409, 429 and 5xx itself (honouring retry-after). */
  cf: Cloudflare;
  /** Runs `fn` and turns a failure into an error naming `what` with Cloudflare's message (never the request). */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** The id of a zone of the account, by name; an error when there is none. */
  zoneId(zone: string): Promise<string>;
}

/**
 * A Cloudflare API failure with Cloudflare's message and code; never the request (nor its token).
 *
 * @public
 */
export class CloudflareError extends CustomErrorBase {
  constructor(message: string, readonly status?: number) {
    // no cause: the SDK's error holds the request headers, and with them the token
    super(message);
    this.name = 'CloudflareError';
  }
}

/** What an action decided about its input or the world, thrown inside `call`: passed on as it is. */
const decided = (err: unknown): err is Error =>
  err instanceof InputError ||
  err instanceof ConflictError ||
  err instanceof NotFoundError;

function toError(what: string, err: unknown, timeoutMs: number): Error {
  if (err instanceof CloudflareError || decided(err)) return err;
  // a time-out is one of these too (the SDK aborts the request)
  if (err instanceof APIConnectionError)
    return new CloudflareError(
      `Cloudflare did not answer "${what}" within ${timeoutMs} ms, or could not be reached (after the SDK's retries)`,
    );
  if (err instanceof APIError && err.status !== undefined) {
    const messages = err.errors?.length
      ? err.errors.map(e => `${e.message} (${e.code})`).join('; ')
      : err.message;
    if (err.status === 401 || err.status === 403) {
      return new CloudflareError(
        `Cloudflare rejected the API token (${err.status} ${messages}): check cloudflare.apiToken in app-config or the ${TOKEN_SECRET} task secret`,
        err.status,
      );
    }
    return new CloudflareError(
      `Cloudflare: ${what} failed with ${err.status}: ${messages}`,
      err.status,
    );
  }
  return new CloudflareError(
    `Cloudflare: ${what} failed: ${(err as Error)?.message ?? err}`,
  );
}

/**
 * Creates the client for one action run. The token comes from the `cloudflareApiToken` task
 * secret or else from `cloudflare.apiToken`; a missing one is an error naming both.
 */
export function createCloudflareClient(
  options: CloudflareActionOptions,
  ctx: { secrets?: TaskSecrets },
): CloudflareClient {
  const { config } = options;
  const apiToken =
    ctx.secrets?.[TOKEN_SECRET] ||
    config.getOptionalString('cloudflare.apiToken');
  if (!apiToken)
    throw new InputError(
      `No Cloudflare API token: set cloudflare.apiToken in app-config or pass the ${TOKEN_SECRET} task secret`,
    );
  const timeout =
    config.getOptionalNumber('cloudflare.requestTimeoutMs') ??
    DEFAULT_TIMEOUT_MS;
  const cf = new Cloudflare({
    apiToken,
    baseURL: config.getOptionalString('cloudflare.apiUrl'),
    timeout,
    logLevel: 'off',
  });
  const call = async <T>(what: string, fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (err) {
      throw toError(what, err, timeout);
    }
  };
  return {
    cf,
    call,
    zoneId: zone =>
      call(`find zone ${zone}`, async () => {
        const { result } = await cf.zones.list({ name: zone });
        const found = result.find(z => z.name === zone);
        if (!found)
          throw new NotFoundError(
            `No Cloudflare zone "${zone}" in the account of this token`,
          );
        return found.id;
      }),
  };
}

/**
 * How every action on a zone starts: the client for its run and the zone's id, looked up by name
 * (the zone a template gives as `parameters.zone.name`, from the VotingCloudflareZone field).
 */
export async function zoneClient(
  options: CloudflareActionOptions,
  ctx: { secrets?: TaskSecrets },
  zone: string,
): Promise<{ client: CloudflareClient; zoneId: string }> {
  const client = createCloudflareClient(options, ctx);
  return { client, zoneId: await client.zoneId(zone) };
}

/** The fully qualified name of a record: `vote` in `example.com` is `vote.example.com`, `@` the apex. */
export function fqdn(name: string, zone: string): string {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n === '@' || n === zone) return zone;
  return n.endsWith(`.${zone}`) ? n : `${n}.${zone}`;
}
