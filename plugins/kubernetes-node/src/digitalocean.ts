import type { Config } from '@backstage/config';

/**
 * The two DigitalOcean reads these actions need (a cluster's kubeconfig, a database's
 * connection). Same configuration as the DigitalOcean module: the `digitaloceanToken` task secret
 * or `digitalocean.token`, `digitalocean.apiUrl`. Error messages carry the provider's message,
 * never the token, the kubeconfig or the password.
 */
export const DO_TOKEN_SECRET = 'digitaloceanToken';

export interface DigitalOceanReader {
  kubeconfig(clusterId: string): Promise<string>;
  /** The connection URI of an online database (its password inside: a secret). */
  databaseUri(databaseId: string): Promise<string>;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export function digitalOceanReader(
  config: Config,
  secrets: Record<string, string> | undefined,
  options: { retries?: number; retryDelayMs?: number } = {},
): DigitalOceanReader {
  const token = secrets?.[DO_TOKEN_SECRET] || config.getOptionalString('digitalocean.token');
  if (!token) {
    throw new Error(`No DigitalOcean API token: set digitalocean.token in app-config or pass the ${DO_TOKEN_SECRET} task secret`);
  }
  const base = (config.getOptionalString('digitalocean.apiUrl') ?? 'https://api.digitalocean.com/v2').replace(/\/$/, '');
  const retries = options.retries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1000;

  async function get(what: string, path: string): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(15_000),
        });
      } catch (err) {
        if (attempt < retries) {
          await sleep(retryDelayMs * 2 ** attempt);
          continue;
        }
        throw new Error(`DigitalOcean could not be reached for ${what}: ${(err as Error).message}`);
      }
      if (res.ok) return res;
      if ((res.status === 429 || res.status >= 500) && attempt < retries) {
        const after = Number(res.headers.get('retry-after'));
        await sleep(Number.isFinite(after) && after > 0 ? after * 1000 : retryDelayMs * 2 ** attempt);
        continue;
      }
      let message = res.statusText;
      try {
        const body = (await res.json()) as { message?: string };
        if (typeof body?.message === 'string') message = body.message;
      } catch {
        /* no JSON body */
      }
      if (res.status === 401) {
        throw new Error(`DigitalOcean rejected the API token (401 ${message}): check digitalocean.token or the ${DO_TOKEN_SECRET} task secret`);
      }
      throw new Error(`DigitalOcean: ${what} failed with ${res.status}: ${message}`);
    }
  }

  return {
    async kubeconfig(clusterId) {
      const res = await get(`the kubeconfig of cluster ${clusterId}`, `/kubernetes/clusters/${encodeURIComponent(clusterId)}/kubeconfig`);
      return res.text();
    },
    async databaseUri(databaseId) {
      const res = await get(`database ${databaseId}`, `/databases/${encodeURIComponent(databaseId)}`);
      const { database } = (await res.json()) as { database?: { status?: string; connection?: { uri?: string } } };
      if (database?.status !== 'online' || !database.connection?.uri) {
        throw new Error(`database ${databaseId} is not online yet (status ${database?.status ?? 'unknown'}): run this step after the database is ready`);
      }
      return database.connection.uri;
    },
  };
}
