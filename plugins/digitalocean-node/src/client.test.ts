import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { useSandbox } from '@voting-platform/cloud-sandbox';
import { ManualClock, sleep } from '@voting-platform/timing';
import {
  createDigitalOceanClient,
  createUnlessFound,
  DIGITALOCEAN_TOKEN_SECRET,
  DigitalOceanError,
  getDatabaseConnection,
  getKubeconfig,
  getPoolConnection,
  isNotFound,
  isUnprocessable,
  listAll,
  readDigitalOceanToken,
  waitForState,
} from './index';

const clock = new ManualClock();
const env = useSandbox(
  { beforeAll, afterAll, afterEach },
  { clock, coverageDir: false },
);

function recordingLogger() {
  const lines: string[] = [];
  const line = (level: string) => (message: string) =>
    void lines.push(`${level} ${message}`);
  const logger: LoggerService = {
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    debug: line('debug'),
    child: () => logger,
  };
  return { logger, lines };
}

function client(
  extra: {
    token?: string;
    requestTimeoutMs?: number;
    signal?: AbortSignal;
    secrets?: Record<string, string>;
    pollIntervalSeconds?: number;
  } = {},
) {
  const { digitalocean } = env.sandbox;
  const { logger, lines } = recordingLogger();
  const config = new ConfigReader({
    digitalocean: {
      token: 'token' in extra ? extra.token : digitalocean.token,
      apiUrl: digitalocean.url,
      requestTimeoutMs: extra.requestTimeoutMs ?? 5000,
      pollIntervalSeconds: extra.pollIntervalSeconds,
    },
  });
  const c = createDigitalOceanClient(
    { config, clock, retry: { retries: 3, minDelayMs: 1000 } },
    { logger, secrets: extra.secrets, signal: extra.signal },
  );
  return { c, lines };
}

afterEach(() => {
  clock.sleeps.length = 0;
});

describe('the token', () => {
  it('comes from the task secret over app-config, and a missing one names both places', () => {
    const config = new ConfigReader({ digitalocean: { token: 'from-config' } });
    expect(readDigitalOceanToken(config)).toBe('from-config');
    expect(
      readDigitalOceanToken(config, {
        [DIGITALOCEAN_TOKEN_SECRET]: 'from-secret',
      }),
    ).toBe('from-secret');
    expect(() => readDigitalOceanToken(new ConfigReader({}))).toThrow(
      InputError,
    );
    expect(() => readDigitalOceanToken(new ConfigReader({}))).toThrow(
      /set digitalocean.token in app-config or pass the digitaloceanToken task secret/,
    );
  });

  it('a rejected one is a 401 DigitalOceanError that names the setting and not the value', async () => {
    const { c } = client({ token: 'dop_v1_wrong' });
    const err = await c
      .call('list VPCs', () => c.api.vpc.listVpcs({}))
      .catch(e => e);
    expect(err).toBeInstanceOf(DigitalOceanError);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(
      /DigitalOcean rejected the API token \(401 .*\): check digitalocean.token/,
    );
    expect(
      JSON.stringify({ ...err, message: err.message, stack: err.stack }),
    ).not.toContain('dop_v1_wrong');
  });
});

describe('call', () => {
  it('retries 429 after the time the provider asked, and 5xx with exponential back-off', async () => {
    const { faults } = env.sandbox.digitalocean;
    faults.add({ operationId: 'vpcs_list', status: 429, retryAfter: 7 });
    faults.add({ operationId: 'vpcs_list', status: 500 });
    faults.add({ operationId: 'vpcs_list', status: 503 });
    const { c, lines } = client();
    await c.call('list VPCs', () => c.api.vpc.listVpcs({}));
    expect(clock.sleeps).toEqual([7000, 2000, 4000]);
    expect(lines.filter(l => l.startsWith('warn'))).toHaveLength(3);
    expect(lines[0]).toMatch(
      /list VPCs failed with 429.*; retrying in 7 s \(3 attempts left\)/,
    );
  });

  it('gives up after the last retry, and at once on a 4xx, with the provider message', async () => {
    const { faults } = env.sandbox.digitalocean;
    faults.add({ operationId: 'vpcs_list', status: 503, times: Infinity });
    const { c } = client();
    await expect(
      c.call('list VPCs', () => c.api.vpc.listVpcs({})),
    ).rejects.toThrow(/DigitalOcean: list VPCs failed with 503/);
    expect(clock.sleeps).toHaveLength(3);
  });

  it('turns a slow answer into a time-out that names the operation, and retries it', async () => {
    env.sandbox.digitalocean.faults.add({
      operationId: 'vpcs_list',
      delayMs: 400,
    });
    const { c, lines } = client({ requestTimeoutMs: 100 });
    await c.call('list VPCs', () => c.api.vpc.listVpcs({}));
    expect(lines.join('\n')).toMatch(
      /DigitalOcean did not answer "list VPCs" within 100 ms; retrying/,
    );
    await sleep(400); // the abandoned request lands before the sandbox stops
  });

  it('is cancelled by the signal: no retry after an abort', async () => {
    env.sandbox.digitalocean.faults.add({
      operationId: 'vpcs_list',
      status: 503,
      times: Infinity,
    });
    const controller = new AbortController();
    const { c } = client({ signal: controller.signal });
    controller.abort(new Error('task cancelled'));
    await expect(
      c.call('list VPCs', () => c.api.vpc.listVpcs({})),
    ).rejects.toThrow(/task cancelled|cancel/i);
    expect(clock.sleeps).toHaveLength(0);
  });

  it('isNotFound tells a 404, and listAll reads every page', async () => {
    const { c } = client();
    const missing = await c
      .call('get cluster', () =>
        c.api.kubernetes.getKubernetesCluster({
          kubernetes_cluster_id: '00000000-0000-4000-8000-000000000000',
        }),
      )
      .catch(e => e);
    expect(isNotFound(missing)).toBe(true);
    expect(isNotFound(new Error('other'))).toBe(false);
    for (const name of ['page-a', 'page-b', 'page-c'])
      await c.api.vpc.createVpc({ name, region: 'nyc1' });
    const vpcs = await listAll(
      page => c.api.vpc.listVpcs({ page, per_page: 2 }),
      data => data.vpcs as { name: string }[],
    );
    expect(vpcs.map(v => v.name)).toEqual(
      expect.arrayContaining(['page-a', 'page-b', 'page-c']),
    );
  });

  it('isUnprocessable tells the 422 of a taken name, raw from axios or mapped by call()', async () => {
    const { c } = client();
    const create = () =>
      c.http.post('/kubernetes/clusters', {
        name: 'taken',
        region: 'nyc1',
        version: 'latest',
        node_pools: [{ name: 'p', size: 's-1vcpu-2gb', count: 1 }],
      });
    await create();
    const raw = await create().catch(e => e);
    const mapped = await c.call('create cluster', create).catch(e => e);
    expect([isUnprocessable(raw), isUnprocessable(mapped)]).toEqual([
      true,
      true,
    ]);
    expect(mapped).toBeInstanceOf(DigitalOceanError);
    expect(isUnprocessable(new Error('other'))).toBe(false);
  });

  it('createUnlessFound takes what a timed-out attempt made when the name turns out taken, and creates once', async () => {
    const { c } = client();
    const body = (name: string) => ({
      name,
      region: 'nyc1',
      version: 'latest',
      node_pools: [{ name: 'p', size: 's-1vcpu-2gb', count: 1 }],
    });
    const byName = async (name: string) => {
      const { data } = await c.http.get('/kubernetes/clusters');
      return (data.kubernetes_clusters as { id: string; name: string }[]).find(
        k => k.name === name,
      );
    };
    // the attempt that "timed out" lands between the look-up (which still saw nothing) and the create
    let lookups = 0;
    const late = await c.http.post('/kubernetes/clusters', body('late'));
    const adopted = await createUnlessFound(
      async () => (lookups++ === 0 ? undefined : byName('late')),
      async () =>
        (
          await c.http.post('/kubernetes/clusters', body('late'))
        ).data.kubernetes_cluster,
    );
    expect(adopted.id).toBe(late.data.kubernetes_cluster.id);
    expect(lookups).toBe(2);
    // a plain run creates, and a second finds it instead of creating again
    const first = await createUnlessFound(
      () => byName('once'),
      async () =>
        (
          await c.http.post('/kubernetes/clusters', body('once'))
        ).data.kubernetes_cluster,
    );
    const second = await createUnlessFound(
      () => byName('once'),
      () => Promise.reject(new Error('must not create again')),
    );
    expect(second.id).toBe(first.id);
    // any other refusal is the caller's
    await expect(
      createUnlessFound(
        async () => undefined,
        () => Promise.reject(new Error('quota')),
      ),
    ).rejects.toThrow('quota');
  });
});

describe('shared reads', () => {
  async function createCluster(name: string) {
    const { c } = client();
    const { data } = await c.http.post('/kubernetes/clusters', {
      name,
      region: 'nyc1',
      version: 'latest',
      node_pools: [{ name: 'p', size: 's-1vcpu-2gb', count: 1 }],
    });
    return data.kubernetes_cluster.id as string;
  }

  it('waits for a state on the clock, logging each state with the time spent, then reads the kubeconfig', async () => {
    const id = await createCluster('wait-happy');
    const { c, lines } = client();
    const cluster = await waitForState(c, {
      what: 'cluster "wait-happy"',
      until: 'running',
      read: () =>
        c.call(
          'get cluster',
          async () =>
            (
              await c.api.kubernetes.getKubernetesCluster({
                kubernetes_cluster_id: id,
              })
            ).data.kubernetes_cluster,
        ),
      state: k => k.status.state,
      timeoutMs: 30 * 60_000,
      intervalMs: 15_000,
    });
    expect(cluster.status.state).toBe('running');
    expect(lines.join('\n')).toMatch(
      /info cluster "wait-happy": provisioning \(0m00s elapsed\)/,
    );
    expect(lines.join('\n')).toMatch(
      /info cluster "wait-happy": running \(\d+m\d\ds elapsed\)/,
    );
    expect(clock.sleeps.every(ms => ms === 15_000)).toBe(true);
    const kubeconfig = await getKubeconfig(c, id);
    expect(kubeconfig).toMatch(/apiVersion: v1/);
    expect(kubeconfig).toMatch(/clusters:/);
  });

  it('polls every digitalocean.pollIntervalSeconds when the wait names no interval (default 15 s)', async () => {
    const readState = (c: ReturnType<typeof client>['c'], id: string) =>
      waitForState(c, {
        what: 'cluster',
        until: 'running',
        read: () =>
          c.call(
            'get cluster',
            async () =>
              (
                await c.api.kubernetes.getKubernetesCluster({
                  kubernetes_cluster_id: id,
                })
              ).data.kubernetes_cluster,
          ),
        state: k => k.status.state,
        timeoutMs: 30 * 60_000,
      });
    const fast = await createCluster('wait-fast');
    clock.sleeps.length = 0;
    await readState(client({ pollIntervalSeconds: 1 }).c, fast);
    expect(clock.sleeps.length).toBeGreaterThan(0);
    expect(clock.sleeps.every(ms => ms === 1000)).toBe(true);
    const slow = await createCluster('wait-default');
    clock.sleeps.length = 0;
    await readState(client().c, slow);
    expect(clock.sleeps.length).toBeGreaterThan(0);
    expect(clock.sleeps.every(ms => ms === 15_000)).toBe(true);
  });

  it('times out naming the last state, and stops at a failure state', async () => {
    const id = await createCluster('wait-late');
    const { c } = client();
    const read = () =>
      c.call(
        'get cluster',
        async () =>
          (
            await c.api.kubernetes.getKubernetesCluster({
              kubernetes_cluster_id: id,
            })
          ).data.kubernetes_cluster,
      );
    await expect(
      waitForState(c, {
        what: 'cluster "wait-late"',
        until: 'running',
        read,
        state: k => k.status.state,
        timeoutMs: 60_000,
        intervalMs: 15_000,
      }),
    ).rejects.toThrow(
      /cluster "wait-late" did not become running within 1m00s \(last state: provisioning\)/,
    );
    await expect(
      waitForState(c, {
        what: 'cluster "wait-late"',
        until: 'running',
        read,
        state: k => k.status.state,
        failure: k => (k.status.state === 'provisioning' ? 'stuck' : undefined),
        timeoutMs: 60_000,
        intervalMs: 15_000,
      }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(
        /cluster "wait-late" is provisioning: stuck/,
      ),
    });
  });

  it('a wait is cancelled by the signal', async () => {
    const id = await createCluster('wait-cancel');
    const controller = new AbortController();
    const { c } = client({ signal: controller.signal });
    let reads = 0;
    const read = async () => {
      if (++reads === 2) controller.abort(new Error('task cancelled'));
      return c.call(
        'get cluster',
        async () =>
          (
            await c.api.kubernetes.getKubernetesCluster({
              kubernetes_cluster_id: id,
            })
          ).data.kubernetes_cluster,
      );
    };
    await expect(
      waitForState(c, {
        what: 'cluster',
        until: 'never',
        read,
        state: k => k.status.state,
        timeoutMs: 60 * 60_000,
        intervalMs: 15_000,
      }),
    ).rejects.toThrow(/task cancelled/);
    expect(reads).toBe(2);
  });

  it('reads the connection of an online database, and refuses one that is not online yet', async () => {
    const { c } = client();
    const { data } = await c.api.database.createDatabaseCluster({
      name: 'pg-conn',
      engine: 'pg',
      version: '17',
      region: 'nyc1',
      size: 'db-s-1vcpu-1gb',
      num_nodes: 1,
    } as any);
    const id = data.database.id;
    await expect(getDatabaseConnection(c, id)).rejects.toThrow(ConflictError);
    await expect(getDatabaseConnection(c, id)).rejects.toThrow(
      /database .* is not online yet \(status creating\)/,
    );
    clock.advance(60 * 60_000);
    const connection = await getDatabaseConnection(c, id);
    expect(connection.uri).toMatch(/^postgresql:\/\//);
    expect(connection.port).toBeGreaterThan(0);
    expect(env.sandbox.digitalocean.secrets()).toContain(connection.password);
  });

  it("reads a pool's connections: its user through PgBouncer, and the same user straight to the pool's database", async () => {
    const { c } = client();
    const { data } = await c.api.database.createDatabaseCluster({
      name: 'pg-pool',
      engine: 'pg',
      version: '17',
      region: 'nyc1',
      size: 'db-s-1vcpu-1gb',
      num_nodes: 1,
    } as any);
    const id = data.database.id;
    clock.advance(60 * 60_000);
    const admin = await getDatabaseConnection(c, id);
    const user = (
      await c.api.database.createDatabaseClusterUser({
        database_cluster_id: id,
        user_name: 'app',
      })
    ).data.user;
    await c.api.database.createDatabaseClusterDb({
      database_cluster_id: id,
      db_name: 'appdb',
    });
    await expect(getPoolConnection(c, id, 'app_pool')).rejects.toThrow(
      NotFoundError,
    );
    await expect(getPoolConnection(c, id, 'app_pool')).rejects.toThrow(
      /no connection pool "app_pool"/,
    );
    await c.api.database.createConnectionPool({
      database_cluster_id: id,
      pool_name: 'app_pool',
      mode: 'transaction',
      size: 10,
      db_name: 'appdb',
      user_name: 'app',
    });
    const { mode, pooled, direct } = await getPoolConnection(c, id, 'app_pool');
    expect(mode).toBe('transaction');
    // PgBouncer serves the pool under its own name, on its own port
    expect(new URL(pooled.uri)).toMatchObject({
      username: 'app',
      password: user.password,
      port: String(pooled.port),
      pathname: '/app_pool',
    });
    expect(pooled.port).not.toBe(admin.port);
    expect(direct).toMatchObject({
      user: 'app',
      password: user.password,
      host: admin.host,
      port: admin.port,
      database: 'appdb',
    });
    expect(new URL(direct.uri)).toMatchObject({
      username: 'app',
      password: user.password,
      hostname: admin.host,
      port: String(admin.port),
      pathname: '/appdb',
      search: new URL(pooled.uri).search,
    });
  });
});
