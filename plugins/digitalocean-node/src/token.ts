import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/**
 * The task secret that overrides `digitalocean.token` for one scaffolder task.
 *
 * @public
 */
export const DIGITALOCEAN_TOKEN_SECRET = 'digitaloceanToken';

/**
 * The API token: the `digitaloceanToken` task secret when given, else `digitalocean.token`. A
 * missing one is an InputError that names both places (and never a value).
 *
 * @public
 */
export function readDigitalOceanToken(
  config: Config,
  secrets?: Record<string, string | undefined>,
): string {
  const token =
    secrets?.[DIGITALOCEAN_TOKEN_SECRET] ||
    config.getOptionalString('digitalocean.token');
  if (!token) {
    throw new InputError(
      `No DigitalOcean API token: set digitalocean.token in app-config or pass the ${DIGITALOCEAN_TOKEN_SECRET} task secret`,
    );
  }
  return token;
}
