/**
 * Test glue for the sandbox suites: a sandbox on free ports with its own PostgreSQL prefix (so it
 * never meets `npm start`'s), and the DigitalOcean API as a script calls it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@voting-platform/local-kubernetes';
import { waitUntil } from '@voting-platform/timing';
import { serviceUrls } from '../../scripts/lib/services.js';
import {
  startLocalCloud,
  type LocalCloud,
  type LocalCloudOptions,
} from '../../scripts/lib/sandbox/index.js';

export const repoRoot = join(import.meta.dirname, '../..');
export const standInCharts = join(
  repoRoot,
  'plugins/scaffolder-backend-module-kubernetes/test-charts',
);

export interface TestCloud extends LocalCloud {
  cache: string;
  /** What this sandbox's roles and databases start with in the local PostgreSQL. */
  prefix: string;
  logs: string[];
  /** A DigitalOcean API call with the sandbox token; throws on an unexpected status. */
  api(method: string, path: string, body?: unknown): Promise<any>;
  /** Waits until the cluster reports `state` (provisioning takes a control plane start). */
  waitCluster(id: string, state: string, timeoutMs?: number): Promise<any>;
  remove(): Promise<void>;
}

export async function startTestCloud(
  options: Pick<LocalCloudOptions, 'controlPlane' | 'helm'> &
    Partial<Pick<LocalCloudOptions, 'localStack'>>,
): Promise<TestCloud> {
  const cache = mkdtempSync(join(tmpdir(), 'sandbox-test-'));
  const logs: string[] = [];
  const prefix = `sandboxtest${process.pid}_`;
  const [digitalocean, cloudflare, charts] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
  ]);
  const cloud = await startLocalCloud({
    ...options,
    cache,
    charts: standInCharts,
    postgresAdminUrl: serviceUrls.postgres,
    postgresPrefix: prefix,
    ports: { digitalocean, cloudflare, charts },
    provisionSeconds: 1,
    localStack: options.localStack ?? {
      voteUrl: 'http://localhost:8080',
      resultUrl: 'http://localhost:8081',
    },
    log: message => logs.push(message),
  });
  const api: TestCloud['api'] = async (method, path, body) => {
    const res = await fetch(`${cloud.digitalocean.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${cloud.digitalocean.token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 400)
      throw new Error(`${method} ${path}: ${res.status} ${text}`);
    const type = res.headers.get('content-type') ?? '';
    return type.includes('json') ? JSON.parse(text) : text;
  };
  return {
    ...cloud,
    cache,
    prefix,
    logs,
    api,
    waitCluster: (id, state, timeoutMs = 90_000) =>
      waitUntil(
        async () => {
          const { kubernetes_cluster: c } = await api(
            'GET',
            `/kubernetes/clusters/${id}`,
          );
          return c.status.state === state ? c : undefined;
        },
        {
          timeoutMs,
          intervalMs: 250,
          timeoutMessage: () =>
            `cluster ${id} not ${state} after ${
              timeoutMs / 1000
            } s; log: ${logs.join('\n')}`,
        },
      ),
    remove: async () => {
      await cloud.stop();
      rmSync(cache, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` answers, failing with `what` after `timeoutMs`. */
export const eventually = <T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
) =>
  waitUntil(check, {
    timeoutMs,
    intervalMs: 250,
    timeoutMessage: () => `${what}: not within ${timeoutMs / 1000} s`,
  });

export const clusterSpec = (name: string) => ({
  name,
  region: 'nyc1',
  version: 'latest',
  node_pools: [{ name: 'pool', size: 's-1vcpu-2gb', count: 3 }],
});
