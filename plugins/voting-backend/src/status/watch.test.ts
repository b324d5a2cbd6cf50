import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { mockCredentials } from '@backstage/backend-test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  signalsServiceRef,
  type SignalPayload,
} from '@backstage/plugin-signals-node';
import { ManualClock, useSandbox } from '@voting-platform/cloud-sandbox';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { type EnvironmentStatus } from '@voting-platform/plugin-voting-common';
import { environmentSpecFixture } from '@voting-platform/plugin-voting-common/testUtils';
import { digitalOceanCall } from '@voting-platform/plugin-kubernetes-node/testUtils';
import { sleep } from '@voting-platform/timing';
import pg from 'pg';
import request from 'supertest';
import {
  ownerTeamDecision,
  startStatusTestBackend,
  type StatusTestBackend,
} from './__testUtils__/statusTestBackend';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../../../..');
const POSTGRES =
  process.env.POSTGRES_ADMIN_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
/** Short, so that a test sees several intervals and a lease's end. */
const CACHE_SECONDS = 1;
const LEASE_SECONDS = 3;
const DECISION_CACHE_SECONDS = 2;
/** Long, so that a burst of pushes surely falls within one interval. */
const VOTES_SIGNAL_INTERVAL_MS = 5_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise(done => server.close(done));
  return port;
}

/** Polls until `check` answers something, for at most 30 s. */
async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: timed out`);
    await sleep(100);
  }
}

/**
 * The real result service (apps/result) on a database of its own: it pushes the tallies over
 * socket.io when PostgreSQL notifies it of new ones, and counts its socket.io clients.
 */
class ResultService {
  private child?: ChildProcess;
  private output = '';
  readonly database = `watch_${randomBytes(6).toString('hex')}`;
  port = 0;

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get databaseUrl() {
    const url = new URL(POSTGRES);
    url.pathname = `/${this.database}`;
    return url.toString();
  }

  async start() {
    await this.admin(`CREATE DATABASE ${this.database}`);
    this.port = await freePort();
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'apps/result/src/main.ts'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(this.port),
          POSTGRES_URL: this.databaseUrl,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    child.stdout!.on('data', chunk => (this.output += chunk));
    child.stderr!.on('data', chunk => (this.output += chunk));
    await until(`the result service to be ready\n${this.output}`, async () => {
      if (child.exitCode !== null) throw new Error(this.output);
      const ready = await fetch(`${this.url}/readyz`).catch(() => undefined);
      return ready?.ok ? true : undefined;
    });
  }

  /** Its socket.io clients, from its own metrics. */
  async connectedClients(): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    return Number(
      /^result_connected_clients(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1],
    );
  }

  /** Records tallies as the worker does (rows, then the notification the service listens to). */
  async setTallies(a: number, b: number) {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO vote_tallies (poll_id, option_id, votes) VALUES ('default', 'a', $1), ('default', 'b', $2)
         ON CONFLICT (poll_id, option_id) DO UPDATE SET votes = excluded.votes`,
        [a, b],
      );
      await client.query(`SELECT pg_notify('vote_tallies', 'default')`);
    } finally {
      await client.end();
    }
  }

  async stop() {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise(done => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    await this.admin(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`);
  }

  private async admin(sql: string) {
    const client = new pg.Client({ connectionString: POSTGRES });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}

const READER = 'user:default/reader';
const OUTSIDER = 'user:default/outsider';
/** Asked about by one test only, so that no other test's decision is kept for it. */
const MEMBER = 'user:default/member';
/** Sends only requests refused before any permission decision. */
const CURIOUS = 'user:default/curious';

describe('POST /environments/:name/watch', () => {
  const clock = new ManualClock();
  const env = useSandbox(
    { beforeAll, afterAll, afterEach },
    {
      clock,
      coverageDir: false,
      cloudflare: { zones: ['example.com'] },
      // no API server behind the clusters: the workloads section fails at once, on its own
      digitalocean: { clusterEndpoint: () => 'https://127.0.0.1:9' },
    },
  );
  const results = new ResultService();
  /** What the plugin published, in order. */
  const published: SignalPayload[] = [];
  /** Whom the permission policy was asked about, in order. */
  const policyAsked: string[] = [];
  let server: StatusTestBackend['server'];
  let stopBackend: () => Promise<void>;
  let clusterId: string;

  const providerCalls = () =>
    env.sandbox.digitalocean.requests.length +
    env.sandbox.cloudflare.requests.length;

  const watch = (name: string, user = mockCredentials.user()) =>
    request(server)
      .post(`/api/voting/environments/${name}/watch`)
      .set(
        'authorization',
        mockCredentials.user.header(user.principal.userEntityRef),
      );

  const sections = (name: string, query: string, user = READER) =>
    request(server)
      .get(`/api/voting/environments/${name}/status?${query}`)
      .set('authorization', mockCredentials.user.header(user));

  const status = async (name: string) =>
    (
      await request(server)
        .get(`/api/voting/environments/${name}/status`)
        .set('authorization', mockCredentials.user.header())
        .expect(200)
    ).body as EnvironmentStatus;

  async function register(name: string, owner?: string) {
    await request(server)
      .put(`/api/voting/environments/${name}`)
      .set('authorization', mockCredentials.service.header())
      .send({
        ...environmentSpecFixture(),
        clusterId,
        domain: 'demo.example.com',
        resultUrl: results.url,
        ...(owner ? { owner } : {}),
      })
      .expect(200);
  }

  beforeAll(async () => {
    await results.start();
    const created = await digitalOceanCall(env.sandbox.digitalocean)(
      'POST',
      '/kubernetes/clusters',
      {
        name: 'watched',
        region: 'nyc1',
        version: 'latest',
        node_pools: [{ name: 'pool', size: 's-2vcpu-4gb', count: 1 }],
      },
    );
    clusterId = created.kubernetes_cluster.id;
    clock.advance(10 * 60_000);

    const backend = await startStatusTestBackend({
      sandbox: env.sandbox,
      voting: {
        allowedResultHosts: [new URL(results.url).host],
        status: {
          cacheSeconds: CACHE_SECONDS,
          leaseSeconds: LEASE_SECONDS,
          decisionCacheSeconds: DECISION_CACHE_SECONDS,
          votesSignalIntervalMs: VOTES_SIGNAL_INTERVAL_MS,
        },
      },
      // the product's policy for a member of the fixture's owner team; the outsider is denied
      // everything
      authorizeConditional: async (requests, { credentials }) => {
        const user = (credentials.principal as { userEntityRef?: string })
          .userEntityRef;
        policyAsked.push(user ?? 'a service');
        return requests.map(() =>
          user === OUTSIDER
            ? { result: AuthorizeResult.DENY }
            : ownerTeamDecision(),
        );
      },
      features: [
        // the signals service's recipient: what reaches users is the signals backend's job
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({
            publish: async (signal: SignalPayload) => {
              published.push(signal);
            },
          }),
        }),
      ],
    });
    server = backend.server;
    stopBackend = backend.stop;
  });

  afterAll(async () => {
    await stopBackend?.();
    await results.stop();
  });

  it('checks nothing and opens no stream while nobody watches', async () => {
    await register('unwatched');
    const before = providerCalls();
    await sleep(3 * CACHE_SECONDS * 1000);
    expect(providerCalls()).toBe(before);
    expect(await results.connectedClients()).toBe(0);
  });

  it('refuses to watch an environment the policy does not let the user read', async () => {
    await register('foreign', 'group:default/another-team');
    const before = providerCalls();
    await watch('foreign').expect(403);
    await watch('nowhere').expect(404);
    await request(server)
      .post('/api/voting/environments/foreign/watch')
      .set('authorization', mockCredentials.service.header())
      .expect(403);
    await sleep(2 * CACHE_SECONDS * 1000);
    expect(providerCalls()).toBe(before);
    expect(await results.connectedClients()).toBe(0);
  });

  it('while leased: listens to the result service, pushes new votes and status changes to the watchers, and stops when the lease ends', async () => {
    await register('watched');
    const { body } = await watch('watched').expect(200);
    expect(body).toEqual({ leaseSeconds: LEASE_SECONDS });
    // renewed as a card renews it while shown
    const renewing = setInterval(
      () => watch('watched').then(undefined, () => undefined),
      (LEASE_SECONDS * 1000) / 2,
    );
    await until('the backend to connect to the result service', async () =>
      (await results.connectedClients()) === 1 ? true : undefined,
    );
    const callsAtStart = providerCalls();
    await until('a check at the next interval', () =>
      providerCalls() > callsAtStart ? true : undefined,
    );

    // a vote the result service sees is in the votes section and signalled, with no provider call
    await results.setTallies(2, 1);
    const votesSignal = await until('a signal about the votes', () =>
      published.find(s => (s.message as any).sections.includes('votes')),
    );
    expect(votesSignal).toEqual({
      recipients: { type: 'user', entityRef: ['user:default/mock'] },
      channel: 'voting:environment:watched',
      message: { environment: 'watched', sections: ['votes'] },
    });
    const seen = await status('watched');
    expect(seen.votes).toMatchObject({
      state: 'ok',
      detail: { total: 3, options: [{ votes: 2 }, { votes: 1 }] },
    });

    // the cluster breaks at DigitalOcean: the next check sees it and says so
    env.sandbox.digitalocean.breakCluster(clusterId, {
      state: 'error',
      message: 'a node pool failed',
    });
    await until('a signal about the cluster', () =>
      published.find(s => (s.message as any).sections.includes('cluster')),
    );
    expect((await status('watched')).cluster).toMatchObject({
      state: 'error',
      detail: { state: 'error', message: 'a node pool failed' },
    });
    env.sandbox.digitalocean.breakCluster(clusterId, undefined);

    // a second user's lease: signals go to both
    await watch('watched', mockCredentials.user('user:default/other')).expect(
      200,
    );
    published.length = 0;
    await results.setTallies(3, 1);
    const toBoth = await until('a signal to both watchers', () => published[0]);
    expect(toBoth.recipients).toEqual({
      type: 'user',
      entityRef: ['user:default/mock', 'user:default/other'],
    });

    // nobody renews: the stream closes and the checks stop (a check under way may finish)
    clearInterval(renewing);
    await until('the stream to close when the leases end', async () =>
      (await results.connectedClients()) === 0 ? true : undefined,
    );
    await sleep(CACHE_SECONDS * 1000);
    const afterLease = providerCalls();
    published.length = 0;
    await results.setTallies(5, 5);
    await sleep(3 * CACHE_SECONDS * 1000);
    expect(providerCalls()).toBe(afterLease);
    expect(published).toEqual([]);
  });

  it('answers only the sections asked for, without checking the others', async () => {
    await register('sectioned');
    await results.setTallies(4, 2);
    const before = providerCalls();
    const { body } = await sections('sectioned', 'sections=votes').expect(200);
    expect(Object.keys(body).sort()).toEqual(['name', 'owner', 'votes']);
    expect(body).toMatchObject({
      name: 'sectioned',
      owner: environmentSpecFixture().owner,
      votes: { state: 'ok', detail: { total: 6 } },
    });
    // the votes come from the result service: DigitalOcean and Cloudflare are not asked
    expect(providerCalls()).toBe(before);

    const two = await sections('sectioned', 'sections=votes,cluster').expect(
      200,
    );
    expect(Object.keys(two.body).sort()).toEqual([
      'cluster',
      'name',
      'owner',
      'votes',
    ]);
    expect(two.body.cluster.checkedAt).toEqual(expect.any(String));
  });

  it('refuses sections that do not exist, before reading anything', async () => {
    const before = providerCalls();
    for (const query of [
      'sections=votes,nonsense',
      'sections=',
      'sections=votes&sections=cluster',
    ]) {
      const { body } = await sections('sectioned', query, CURIOUS).expect(400);
      expect(body.error.name).toBe('InputError');
      expect(body.error.message).toMatch(/cluster, database, dns/);
    }
    const { body } = await sections(
      'sectioned',
      'sections=nonsense',
      CURIOUS,
    ).expect(400);
    expect(body.error.message).toMatch(/"nonsense"/);
    expect(providerCalls()).toBe(before);
    // (other users' decisions may be renewed meanwhile: this user's was never asked for)
    expect(policyAsked).not.toContain(CURIOUS);
  });

  it("reuses a user's permission decision for a while, renews it while used, never another user's, and a denied user stays denied", async () => {
    await register('decided');
    await register('elsewhere', 'group:default/another-team');
    // whom the policy was asked about, of this test's users (others' decisions from earlier
    // tests may be renewed meanwhile)
    const asked = () =>
      policyAsked.filter(user => user === MEMBER || user === OUTSIDER);
    // the burst one signal causes: the policy is asked once for the member
    policyAsked.length = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        sections('decided', 'sections=votes', MEMBER).expect(200),
      ),
    );
    await sections('decided', 'sections=votes', MEMBER).expect(200);
    expect(asked()).toEqual([MEMBER]);

    // the member's decision is not the outsider's: asked for, denied, and the denial holds
    await sections('decided', 'sections=votes', OUTSIDER).expect(403);
    await sections('decided', 'sections=votes', OUTSIDER).expect(403);
    await request(server)
      .post('/api/voting/environments/decided/watch')
      .set('authorization', mockCredentials.user.header(OUTSIDER))
      .expect(403);
    expect(asked()).toEqual([MEMBER, OUTSIDER]);

    // the kept decision is applied to each environment: the member's team owns only one of them
    await sections('elsewhere', 'sections=votes', MEMBER).expect(403);
    expect(asked()).toEqual([MEMBER, OUTSIDER]);

    // a decision in use is made again in the background before it is older than
    // voting.status.decisionCacheSeconds, so no request waits for it; a denial too
    await sleep(DECISION_CACHE_SECONDS * 1000);
    expect(asked().filter(user => user === MEMBER)).toEqual([MEMBER, MEMBER]);
    expect(asked().filter(user => user === OUTSIDER)).toEqual([
      OUTSIDER,
      OUTSIDER,
    ]);
    await sections('decided', 'sections=votes', MEMBER).expect(200);
    await sections('decided', 'sections=votes', OUTSIDER).expect(403);
    expect(asked()).toHaveLength(4);

    // one nobody uses after its renewal is not renewed again: it runs out, and the next
    // request waits for the policy's answer
    await sleep(2 * DECISION_CACHE_SECONDS * 1000 + 500);
    policyAsked.length = 0;
    await sections('elsewhere', 'sections=votes', MEMBER).expect(403);
    expect(asked()).toEqual([MEMBER]);
  });

  it('signals a burst of votes at most twice per interval (at once, and at its end)', async () => {
    await register('bursty');
    await results.setTallies(10, 0);
    await watch('bursty').expect(200);
    const renewing = setInterval(
      () => watch('bursty').then(undefined, () => undefined),
      (LEASE_SECONDS * 1000) / 2,
    );
    try {
      const total = async () =>
        (await sections('bursty', 'sections=votes').expect(200)).body.votes
          .detail.total as number;
      await until('the stream to deliver the tallies', async () =>
        (await results.connectedClients()) >= 1 && (await total()) === 10
          ? true
          : undefined,
      );
      published.length = 0;
      // three pushes, each seen by the backend before the next
      for (const a of [11, 12, 13]) {
        await results.setTallies(a, 0);
        await until(`the push of ${a} votes`, async () =>
          (await total()) === a ? true : undefined,
        );
      }
      await sleep(VOTES_SIGNAL_INTERVAL_MS + 1_000);
      const votesSignals = published.filter(s =>
        (s.message as any).sections.includes('votes'),
      );
      // one signal per push without coalescing
      expect(votesSignals.length).toBeGreaterThanOrEqual(1);
      expect(votesSignals.length).toBeLessThanOrEqual(2);
    } finally {
      clearInterval(renewing);
    }
  });
});
