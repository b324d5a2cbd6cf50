import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { useSandbox } from '@voting-platform/cloud-sandbox';
import type {
  CloudflareZoneOptions,
  DatabaseOptions,
  KubernetesOptions,
} from '@voting-platform/plugin-voting-common';
import { createServer } from 'node:net';
import request from 'supertest';
import { votingPlugin } from '../plugin';

jest.setTimeout(60_000);

type Server = Awaited<ReturnType<typeof startTestBackend>>['server'];

async function startBackend(config: Record<string, any>) {
  return startTestBackend({
    features: [
      votingPlugin,
      catalogServiceMock.factory({ entities: [] }),
      mockServices.rootConfig.factory({ data: config }),
    ],
  });
}

/** A port on which nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise(resolve => server.close(resolve));
  return port;
}

describe('GET /options/...', () => {
  const env = useSandbox(
    { beforeAll, afterAll, afterEach },
    {
      coverageDir: false,
      cloudflare: { zones: ['example.com', 'acme.dev'] },
    },
  );
  let server: Server;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const { digitalocean, cloudflare } = env.sandbox;
    const backend = await startBackend({
      digitalocean: { token: digitalocean.token, apiUrl: digitalocean.url },
      cloudflare: { apiToken: cloudflare.token, apiUrl: cloudflare.url },
      voting: { options: { cacheSeconds: 300 } },
    });
    server = backend.server;
    stop = () => backend.stop();
  });
  afterAll(() => stop?.());

  const get = (path: string, expected = 200, on: Server = server) =>
    request(on)
      .get(`/api/voting/options/${path}`)
      .set('authorization', mockCredentials.user.header())
      .expect(expected);

  /** A backend of its own, so that its cache starts empty. */
  async function withFreshBackend<T>(
    fn: (fresh: Server) => Promise<T>,
  ): Promise<T> {
    const { digitalocean, cloudflare } = env.sandbox;
    const fresh = await startBackend({
      digitalocean: { token: digitalocean.token, apiUrl: digitalocean.url },
      cloudflare: { apiToken: cloudflare.token, apiUrl: cloudflare.url },
    });
    try {
      return await fn(fresh.server);
    } finally {
      await fresh.stop();
    }
  }

  /** The calls the emulator saw for an operation since `from`. */
  const calls = (
    provider: 'digitalocean' | 'cloudflare',
    operationId: string,
    from = 0,
  ) =>
    env.sandbox[provider].requests
      .slice(from)
      .filter(r => r.operationId === operationId).length;

  it('wants a signed-in user or a service', async () => {
    const anonymous = await request(server)
      .get('/api/voting/options/kubernetes')
      .set('authorization', mockCredentials.none.header());
    expect(anonymous.status).toBe(401);
    const service = await request(server)
      .get('/api/voting/options/zones')
      .set('authorization', mockCredentials.service.header());
    expect(service.status).toBe(200);
  });

  it('answers 503 with the provider and its words when DigitalOcean fails, and does not cache the failure', async () => {
    env.sandbox.digitalocean.faults.add({
      operationId: 'kubernetes_list_options',
      status: 503,
      message: 'Service is temporarily unavailable',
    });
    const failed = await get('kubernetes', 503);
    expect(failed.body.error.name).toBe('ServiceUnavailableError');
    expect(failed.body.error.message).toMatch(
      /the kubernetes options could not be read from DigitalOcean: .*503: Service is temporarily unavailable/,
    );
    expect(JSON.stringify(failed.body)).not.toContain(
      env.sandbox.digitalocean.token,
    );
    // the provider is back: the next form sees it at once
    await get('kubernetes', 200);
  });

  it('offers regions, versions and node sizes with their monthly price and regions; N viewers cost one call', async () => {
    const options = await withFreshBackend(async fresh => {
      const from = env.sandbox.digitalocean.requests.length;
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => get('kubernetes', 200, fresh)),
      );
      await get('kubernetes', 200, fresh);
      for (const answer of answers)
        expect(answer.body).toEqual(answers[0].body);
      expect(calls('digitalocean', 'kubernetes_list_options', from)).toBe(1);
      expect(calls('digitalocean', 'sizes_list', from)).toBe(1);
      return answers[0].body as KubernetesOptions;
    });
    expect(options.regions).toContainEqual({
      slug: 'fra1',
      name: 'Frankfurt 1',
    });
    expect(options.versions[0]).toEqual({
      slug: '1.34.1-do.0',
      kubernetesVersion: '1.34.1',
    });
    const size = (slug: string) =>
      options.nodeSizes.find(s => s.slug === slug)!;
    expect(size('s-2vcpu-4gb')).toMatchObject({
      description: 'Basic',
      vcpus: 2,
      memoryMiB: 4096,
      priceMonthly: 24,
    });
    expect(size('s-2vcpu-4gb').regions).toContain('syd1');
    expect(size('g-2vcpu-8gb').regions).toContain('fra1');
    expect(size('g-2vcpu-8gb').regions).not.toContain('syd1');
    // DOKS takes no node under 2 GB: the 1 GB Droplet size is not offered
    expect(size('s-1vcpu-1gb')).toBeUndefined();
  });

  it('offers the PostgreSQL sizes per node count; N viewers cost one call', async () => {
    const options = await withFreshBackend(async fresh => {
      const from = env.sandbox.digitalocean.requests.length;
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => get('databases', 200, fresh)),
      );
      await get('databases', 200, fresh);
      expect(calls('digitalocean', 'databases_list_options', from)).toBe(1);
      return answers[0].body as DatabaseOptions;
    });
    expect(options.regions).toContain('fra1');
    expect(options.versions).toEqual(['15', '16', '17']);
    const sizes = (nodes: number) =>
      options.layouts.find(l => l.nodes === nodes)!.sizes;
    expect(sizes(1)).toContain('db-s-1vcpu-1gb');
    expect(sizes(2)).not.toContain('db-s-1vcpu-1gb');
    expect(sizes(2)).toContain('db-s-1vcpu-2gb');
  });

  it('offers the active Cloudflare zones with their ids, by name; concurrent viewers cost one call', async () => {
    await withFreshBackend(async fresh => {
      const { cloudflare } = env.sandbox;
      const from = cloudflare.requests.length;
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => get('zones', 200, fresh)),
      );
      await get('zones', 200, fresh);
      expect(calls('cloudflare', 'zones-get', from)).toBe(1);
      const { zones } = answers[0].body as CloudflareZoneOptions;
      expect(zones.map(z => z.name)).toEqual(['acme.dev', 'example.com']);
      const listed = await (
        await fetch(`${cloudflare.url}/zones?name=example.com`, {
          headers: { authorization: `Bearer ${cloudflare.token}` },
        })
      ).json();
      expect(zones[1].id).toBe(listed.result[0].id);
    });
  });

  it('answers 503 saying the provider could not be reached when nothing answers', async () => {
    const port = await closedPort();
    const unreachable = await startBackend({
      digitalocean: {
        token: 'dop_v1_x',
        apiUrl: `http://127.0.0.1:${port}/v2`,
      },
      cloudflare: {
        apiToken: 'cf-x',
        apiUrl: `http://127.0.0.1:${port}/client/v4`,
      },
    });
    try {
      const ask = (path: string) =>
        request(unreachable.server)
          .get(`/api/voting/options/${path}`)
          .set('authorization', mockCredentials.user.header())
          .expect(503);
      expect((await ask('kubernetes')).body.error.message).toMatch(
        /from DigitalOcean: DigitalOcean could not be reached .*ECONNREFUSED/,
      );
      expect((await ask('databases')).body.error.message).toMatch(
        /from DigitalOcean: DigitalOcean could not be reached/,
      );
      expect((await ask('zones')).body.error.message).toBe(
        'the zones options could not be read from Cloudflare: Cloudflare could not be reached, or did not answer in time',
      );
    } finally {
      await unreachable.stop();
    }
  });
});
