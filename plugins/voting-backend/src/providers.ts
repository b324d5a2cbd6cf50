import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  createDigitalOceanClient,
  type DigitalOceanClient,
} from '@voting-platform/plugin-digitalocean-node';
import Cloudflare, { APIConnectionError, APIError } from 'cloudflare';

/**
 * The DigitalOcean client of the plugin's views. It does not retry: a view reports a provider's
 * 429 or outage as it is, instead of holding every viewer while it backs off.
 */
export function digitalOceanReader(
  config: Config,
  logger: LoggerService,
): DigitalOceanClient {
  return createDigitalOceanClient(
    { config, retry: { retries: 0 } },
    { logger },
  );
}

/** The Cloudflare SDK for the plugin's views; as for DigitalOcean, a 429 is reported, not waited out. */
export function cloudflareReader(config: Config): Cloudflare {
  return new Cloudflare({
    apiToken: config.getString('cloudflare.apiToken'),
    baseURL: config.getOptionalString('cloudflare.apiUrl'),
    timeout: config.getOptionalNumber('cloudflare.requestTimeoutMs'),
    maxRetries: 0,
    logLevel: 'off',
  });
}

/** What a Cloudflare failure says, in words (the SDK's own message is the raw body). */
export function describeCloudflareError(error: unknown): string {
  if (error instanceof APIConnectionError) {
    return 'Cloudflare could not be reached, or did not answer in time';
  }
  if (error instanceof APIError) {
    const said = error.errors?.map(e => e.message).join('; ');
    return `Cloudflare answered ${error.status ?? 'no status'}${
      said ? `: ${said}` : ''
    }`;
  }
  return error instanceof Error ? error.message : String(error);
}
