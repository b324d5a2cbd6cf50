/**
 * The journey harness: sandbox mode as `npm start` runs it (the DigitalOcean and Cloudflare
 * emulators, a local control plane per emulated cluster, the stand-in charts, real PostgreSQL
 * databases) and the portal backend pointed at it, on free ports; then the templates run through
 * the scaffolder's REST API as a signed-in person, and everything they touched can be read back:
 * the emulators' state, each cluster's objects, the catalog, and every log.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Entity } from '@backstage/catalog-model';
import { KubeConfig } from '@kubernetes/client-node';
import { freePort, helmBinary } from '@voting-platform/local-kubernetes';
import type { LocalStackUrls } from '../../scripts/lib/sandbox/index.js';
import { waitFor } from '../support/ports.js';
import {
  scaffolderTasks,
  taskRun,
  type TaskLogEntry,
  type TaskRun,
} from '../support/tasks.js';
import { startPortalBackend, type PortalBackend } from '../support/backend.js';
import { startTestCloud, type TestCloud } from '../sandbox/helpers.js';

/**
 * The environment the create template makes where a value is left out, by the form (its
 * defaults) or by an API call (the actions' own defaults): the two must agree.
 */
export const TEMPLATE_DEFAULTS = {
  highAvailability: false,
  nodeSize: 's-2vcpu-4gb',
  nodeCount: 3,
  databaseSize: 'db-s-1vcpu-1gb',
  databaseNodes: 1,
} as const;

export interface Journey {
  baseUrl: string;
  cloud: TestCloud;
  backend: PortalBackend;
  /** A signed-in person's Backstage token (the guest, a platform user in app-config.yaml). */
  userToken: string;
  /** Calls the portal's API as that person. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /**
   * Runs a template as the portal's form does (`POST /v2/tasks`, then its event stream until
   * completion), or as its dry run does (`POST /v2/dry-run` with the template from the catalog).
   */
  createTask(
    templateRef: string,
    values: Record<string, unknown>,
    options?: { dryRun?: boolean; timeoutMs?: number },
  ): Promise<TaskRun>;
  /** A task started elsewhere (e.g. from the portal's form), followed until its completion. */
  followTask(id: string, timeoutMs?: number): Promise<TaskRun>;
  /** The kubeconfig DigitalOcean serves for an emulated cluster (its CA, a real token). */
  kubeconfig(clusterId: string): Promise<KubeConfig>;
  /** An entity once the catalog serves it with its relations. */
  entity(ref: string, timeoutMs?: number): Promise<Entity>;
  /** The backend's and the sandbox's logs so far. */
  logs(): { backend: string; sandbox: string };
  stop(): Promise<void>;
}

export interface JourneyOptions {
  /** The vote and result apps the portal reads every environment's votes from. */
  localStack?: LocalStackUrls;
}

export async function startJourney(
  options: JourneyOptions = {},
): Promise<Journey> {
  const cloud = await startTestCloud({
    controlPlane: () => 'ready',
    helm: helmBinary(),
    localStack: options.localStack,
  });
  let backend: PortalBackend | undefined;
  try {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const testConfig = join(cloud.cache, 'app-config.journey.yaml');
    writeFileSync(
      testConfig,
      JSON.stringify({
        app: { baseUrl },
        backend: {
          baseUrl,
          listen: { port, host: '127.0.0.1' },
          cors: { origin: baseUrl },
        },
      }),
    );
    backend = await startPortalBackend(baseUrl, {
      configs: [cloud.backendConfig, testConfig],
      // required by app-config.yaml; the journey calls as a person, never with it
      env: { BACKSTAGE_SCRIPT_TOKEN: randomBytes(24).toString('hex') },
    });
    const userToken = await signInAsGuest(baseUrl);
    const journey = journeyOf(cloud, backend, baseUrl, userToken);
    // the catalog reads its locations in the background after start
    await journey.entity('template:default/voting-platform', 60_000);
    return journey;
  } catch (error) {
    await backend?.stop();
    await cloud.remove();
    throw error;
  }
}

async function signInAsGuest(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
    method: 'POST',
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { backstageIdentity: { token: string } })
    .backstageIdentity.token;
}

function journeyOf(
  cloud: TestCloud,
  backend: PortalBackend,
  baseUrl: string,
  userToken: string,
): Journey {
  const api: Journey['api'] = (path, init = {}) =>
    fetch(`${baseUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${userToken}`,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.headers as Record<string, string>),
      },
    });
  const tasks = scaffolderTasks(api);

  const entity: Journey['entity'] = (ref, timeoutMs = 30_000) => {
    const [kind, namespace, name] = ref.split(/[:/]/);
    return waitFor(
      `${ref} in the catalog`,
      async () => {
        const response = await api(
          `/api/catalog/entities/by-name/${kind}/${namespace}/${name}`,
        );
        if (!response.ok) return undefined;
        const found = (await response.json()) as Entity;
        return found.relations?.length ? found : undefined;
      },
      timeoutMs,
      250,
    );
  };

  async function dryRun(
    templateRef: string,
    values: Record<string, unknown>,
  ): Promise<TaskRun> {
    const template = await entity(templateRef);
    const response = await api('/api/scaffolder/v2/dry-run', {
      method: 'POST',
      body: JSON.stringify({ template, values, directoryContents: [] }),
    });
    const body = (await response.json()) as {
      log?: Array<{ body: TaskLogEntry }>;
      output?: Record<string, any>;
      error?: { message: string };
    };
    const log = body.log?.map(entry => entry.body) ?? [];
    const failed = !response.ok || log.some(entry => entry.status === 'failed');
    if (body.error) log.push({ message: body.error.message });
    return taskRun(failed ? 'failed' : 'completed', log, body.output ?? {});
  }

  return {
    baseUrl,
    cloud,
    backend,
    userToken,
    api,
    createTask: (templateRef, values, { dryRun: dry, timeoutMs } = {}) =>
      dry
        ? dryRun(templateRef, values)
        : tasks.run(templateRef, values, timeoutMs),
    followTask: (id, timeoutMs) => tasks.follow(id, timeoutMs),
    async kubeconfig(clusterId) {
      const kc = new KubeConfig();
      kc.loadFromString(
        await cloud.api('GET', `/kubernetes/clusters/${clusterId}/kubeconfig`),
      );
      return kc;
    },
    entity,
    logs: () => ({ backend: backend.output(), sandbox: cloud.logs.join('\n') }),
    async stop() {
      await backend.stop();
      await cloud.remove();
    },
  };
}
