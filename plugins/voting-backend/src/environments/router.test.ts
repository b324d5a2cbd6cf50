import {
  createBackendPlugin,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
  type TestDatabaseId,
} from '@backstage/backend-test-utils';
import {
  eventsServiceFactory,
  eventsServiceRef,
} from '@backstage/plugin-events-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  ENVIRONMENTS_EVENT_TOPIC,
  type EnvironmentEvent,
} from '@voting-platform/plugin-voting-common';
import { environmentSpecFixture } from '@voting-platform/plugin-voting-common/testUtils';
import request from 'supertest';
import { votingPlugin } from '../plugin';

// The local PostgreSQL of the test command (trust auth); TestDatabases makes a fresh database
// on it for each init and drops it afterwards.
process.env.BACKSTAGE_TEST_DATABASE_POSTGRES16_CONNECTION_STRING ??=
  'postgresql://postgres@127.0.0.1:5432';

const databases = TestDatabases.create({
  ids: ['SQLITE_3', 'POSTGRES_16'],
  disableDocker: true,
});

/** A plugin that records what the voting backend announces, as the catalog module hears it. */
function eventListener(received: EnvironmentEvent[]): BackendFeature {
  return createBackendPlugin({
    pluginId: 'listener',
    register(env) {
      env.registerInit({
        deps: { events: eventsServiceRef },
        async init({ events }) {
          await events.subscribe({
            id: 'test',
            topics: [ENVIRONMENTS_EVENT_TOPIC],
            onEvent: async event => {
              received.push(event.eventPayload as EnvironmentEvent);
            },
          });
        },
      });
    },
  });
}

const spec = {
  ...environmentSpecFixture(),
  grafanaUrl: 'https://grafana.demo.example.com',
};

describe.each(databases.eachSupportedId())(
  'the environments route on %s',
  (databaseId: TestDatabaseId) => {
    const received: EnvironmentEvent[] = [];
    let server: Awaited<ReturnType<typeof startTestBackend>>['server'];
    let stop: () => Promise<void>;

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          votingPlugin,
          eventListener(received),
          // the real events service: the test backend's mock gives each plugin its own
          eventsServiceFactory,
          mockServices.database.factory({ knex }),
          catalogServiceMock.factory({ entities: [] }),
        ],
      });
      server = backend.server;
      stop = () => backend.stop();
    });
    afterAll(() => stop());

    const service = mockCredentials.service.header();
    const put = (name: string, body: unknown, auth = service) =>
      request(server)
        .put(`/api/voting/environments/${name}`)
        .set('authorization', auth)
        .send(body as object);
    const del = (name: string, auth = service) =>
      request(server)
        .delete(`/api/voting/environments/${name}`)
        .set('authorization', auth);
    const get = (path: string) =>
      request(server)
        .get(`/api/voting/environments${path}`)
        .set('authorization', mockCredentials.user.header());

    it('records an environment once: created, unchanged, updated with createdAt kept', async () => {
      const first = await put('demo', spec);
      expect(first.status).toBe(200);
      expect(first.body.outcome).toBe('created');
      expect(first.body.environment).toMatchObject({ name: 'demo', ...spec });
      const { createdAt, updatedAt } = first.body.environment;
      expect(new Date(createdAt).toISOString()).toBe(createdAt);
      expect(updatedAt).toBe(createdAt);

      const again = await put('demo', spec);
      expect(again.body).toEqual({
        outcome: 'unchanged',
        environment: first.body.environment,
      });

      const moved = await put('demo', { ...spec, owner: 'team-b' });
      expect(moved.body.outcome).toBe('updated');
      expect(moved.body.environment.owner).toBe('group:default/team-b');
      expect(moved.body.environment.createdAt).toBe(createdAt);
      expect(moved.body.environment.updatedAt >= createdAt).toBe(true);

      const listed = await get('');
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual([moved.body.environment]);
      expect((await get('/demo')).body).toEqual(moved.body.environment);
    });

    it('answers a dry run with what a register would do, and writes nothing', async () => {
      const fresh = await request(server)
        .put('/api/voting/environments/dry?dryRun=true')
        .set('authorization', service)
        .send(spec);
      expect(fresh.body.outcome).toBe('created');
      expect((await get('/dry')).status).toBe(404);
      const changed = await request(server)
        .put('/api/voting/environments/demo?dryRun=true')
        .set('authorization', service)
        .send({ ...spec, domain: 'other.example.com' });
      expect(changed.body.outcome).toBe('updated');
      expect((await get('/demo')).body.domain).toBe('demo.example.com');
    });

    it('keeps Grafana optional', async () => {
      const { grafanaUrl: _omitted, ...withoutGrafana } = spec;
      const res = await put('no-grafana', withoutGrafana);
      expect(res.status).toBe(200);
      expect(res.body.environment.grafanaUrl).toBeNull();
      expect((await del('no-grafana')).body.outcome).toBe('deleted');
    });

    it('registers the same new environment twice at once: one created, one unchanged', async () => {
      const outcomes = await Promise.all([
        put('twin', spec),
        put('twin', spec),
      ]);
      expect(outcomes.map(r => r.status)).toEqual([200, 200]);
      expect(outcomes.map(r => r.body.outcome).sort()).toEqual([
        'created',
        'unchanged',
      ]);
      await del('twin');
    });

    it('refuses invalid input with 400, naming the field, and records nothing', async () => {
      const cases: Array<[string, unknown, RegExp]> = [
        ['Bad_Name', spec, /invalid environment name "Bad_Name"/],
        ['bad-url', { ...spec, voteUrl: 'ftp://x.example.com' }, /voteUrl/],
        [
          'creds',
          { ...spec, resultUrl: 'https://user:pw@result.example.com' },
          /resultUrl: must not carry credentials/,
        ],
        ['user-owner', { ...spec, owner: 'user:default/jo' }, /not a group/],
        ['no-owner', { ...spec, owner: undefined }, /owner/],
        ['bad-domain', { ...spec, domain: 'not a domain' }, /domain/],
        ['extra', { ...spec, password: 'x' }, /password|Unrecognized/],
        ['bad-id', { ...spec, clusterId: 'a b' }, /clusterId/],
      ];
      for (const [name, body, message] of cases) {
        const res = await put(name, body);
        expect(res.status).toBe(400);
        expect(res.body.error.name).toBe('InputError');
        expect(res.body.error.message).toMatch(message);
      }
      const names = (await get('')).body.items.map(
        (e: { name: string }) => e.name,
      );
      expect(names).toEqual(['demo']);
    });

    it('lets only services write, and nobody unauthenticated read', async () => {
      expect(
        (await put('demo', spec, mockCredentials.user.header())).status,
      ).toBe(403);
      expect((await del('demo', mockCredentials.user.header())).status).toBe(
        403,
      );
      const anonymous = await request(server)
        .get('/api/voting/environments')
        .set('authorization', mockCredentials.none.header());
      expect(anonymous.status).toBe(401);
    });

    it('unregisters: deleted, then absent; 404 when read', async () => {
      expect((await del('demo')).body).toEqual({ outcome: 'deleted' });
      expect((await del('demo')).body).toEqual({ outcome: 'absent' });
      const missing = await get('/demo');
      expect(missing.status).toBe(404);
      expect((await get('')).body.items).toEqual([]);
    });

    it('announces every register and unregister on the events topic', () => {
      expect(received.map(e => e.type)).toContain('registered');
      const last = received.filter(
        e =>
          (e.type === 'registered' && e.environment.name === 'demo') ||
          (e.type === 'unregistered' && e.name === 'demo'),
      );
      expect(last.map(e => e.type)).toEqual([
        'registered',
        'registered',
        'registered',
        'unregistered',
        'unregistered',
      ]);
    });
  },
);
