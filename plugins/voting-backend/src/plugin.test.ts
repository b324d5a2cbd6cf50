import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Entity } from '@backstage/catalog-model';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  RESULT_URL_ANNOTATION,
  votingEnvironmentReadPermission,
} from '@voting-platform/plugin-voting-common';
import { votingEnvironmentConditions } from '@voting-platform/plugin-voting-node';
import { pollResultsFixture } from '@voting-platform/plugin-voting-common/testUtils';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { votingPlugin } from './plugin';

const tallies = pollResultsFixture();

function component(name: string, resultUrl?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: resultUrl ? { [RESULT_URL_ANNOTATION]: resultUrl } : {},
    },
    spec: { type: 'website', lifecycle: 'production', owner: 'team' },
  };
}

describe('voting backend plugin', () => {
  /** A real result-service stand-in: an HTTP server answering /api/results, counting the calls. */
  let results: Server;
  let resultsUrl: string;
  let resultsCalls = 0;
  /** One that never answers. */
  let hanging: Server;
  let hangingUrl: string;
  let server: Awaited<ReturnType<typeof startTestBackend>>['server'];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    results = createServer((req, res) => {
      if (req.url === '/api/results') {
        resultsCalls += 1;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(tallies));
      } else res.writeHead(404).end();
    });
    await new Promise<void>(resolve => results.listen(0, '127.0.0.1', resolve));
    resultsUrl = `http://127.0.0.1:${(results.address() as AddressInfo).port}`;
    hanging = createServer(() => {});
    await new Promise<void>(resolve => hanging.listen(0, '127.0.0.1', resolve));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;

    const resultsHost = new URL(resultsUrl).host;
    const backend = await startTestBackend({
      features: [
        votingPlugin,
        mockServices.rootConfig.factory({
          data: {
            voting: {
              resultsTimeoutMs: 500,
              allowedResultHosts: [
                resultsHost,
                new URL(hangingUrl).host,
                '127.0.0.1:9',
              ],
            },
          },
        }),
        catalogServiceMock.factory({
          entities: [
            component('result', resultsUrl),
            component('worker'),
            component('broken', 'ftp://example.com'),
            component('down', 'http://127.0.0.1:9'),
            component('slow', hangingUrl),
            component('elsewhere', 'http://169.254.169.254'),
          ],
        }),
      ],
    });
    server = backend.server;
    stop = () => backend.stop();
  });

  afterAll(async () => {
    await stop();
    for (const stub of [results, hanging]) {
      stub.closeAllConnections();
      await new Promise(resolve => stub.close(resolve));
    }
  });

  const get = (path: string) =>
    request(server)
      .get(`/api/voting${path}`)
      .set('authorization', mockCredentials.user.header());

  it('refuses unauthenticated requests', async () => {
    // The test backend treats a missing header as a signed-in user; this header is "none".
    const res = await request(server)
      .get('/api/voting/entities/component/default/result/results')
      .set('authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it("returns the live tallies of the entity's result service", async () => {
    const res = await get('/entities/component/default/result/results');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      entityRef: 'component:default/result',
      resultUrl: resultsUrl,
      results: tallies,
    });
  });

  it('says why when there is nothing to show', async () => {
    const missing = await get('/entities/component/default/nope/results');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(
      /no entity component:default\/nope/,
    );

    const unannotated = await get('/entities/component/default/worker/results');
    expect(unannotated.status).toBe(404);
    expect(unannotated.body.error.message).toMatch(
      /has no voting-platform.io\/result-url/,
    );

    const invalid = await get('/entities/component/default/broken/results');
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/must use http or https/);

    const badRef = await get('/entities/comp%20onent/default/x/results');
    expect(badRef.status).toBe(400);
  });

  it('refuses result URLs outside voting.allowedResultHosts', async () => {
    const res = await get('/entities/component/default/elsewhere/results');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(
      /169.254.169.254 .* is not in voting.allowedResultHosts/,
    );
  });

  it('answers 503 when the result service is down or too slow', async () => {
    const down = await get('/entities/component/default/down/results');
    expect(down.status).toBe(503);
    expect(down.body.error.message).toMatch(/cannot reach/);

    const slow = await get('/entities/component/default/slow/results');
    expect(slow.status).toBe(503);
    expect(slow.body.error.message).toMatch(/did not answer within 500 ms/);
  });

  it("shares a result service's answer for a second between any number of viewers", async () => {
    await new Promise(resolve => setTimeout(resolve, 1100)); // what earlier tests read is stale
    const before = resultsCalls;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        get('/entities/component/default/result/results'),
      ),
    );
    expect(answers.map(a => a.status)).toEqual(Array(20).fill(200));
    expect(resultsCalls).toBe(before + 1);
    await new Promise(resolve => setTimeout(resolve, 1100));
    expect(
      (await get('/entities/component/default/result/results')).body,
    ).toMatchObject({ results: tallies });
    expect(resultsCalls).toBe(before + 2);
  });
});

describe('voting backend plugin with a permission policy', () => {
  it("serves an entity's status to its owner group only", async () => {
    // What the voting policy answers a member of group:default/team.
    const decision = votingEnvironmentConditions.createConditionalDecision(
      votingEnvironmentReadPermission,
      votingEnvironmentConditions.conditions.isEnvironmentOwner({
        claims: ['user:default/mock', 'group:default/team'],
      }),
    );
    const permissions = createServiceFactory({
      service: coreServices.permissions,
      deps: {},
      factory: () => ({
        authorize: async () => [{ result: AuthorizeResult.DENY }],
        authorizeConditional: async () => [decision],
      }),
    });
    const backend = await startTestBackend({
      features: [
        votingPlugin,
        permissions,
        mockServices.rootConfig.factory({
          data: { voting: { resultsTimeoutMs: 200 } },
        }),
        catalogServiceMock.factory({
          entities: [
            component('ours', 'http://127.0.0.1:9'),
            {
              ...component('theirs', 'http://127.0.0.1:9'),
              spec: {
                type: 'website',
                lifecycle: 'production',
                owner: 'other',
              },
            },
          ],
        }),
      ],
    });
    try {
      const get = (name: string) =>
        request(backend.server)
          .get(`/api/voting/entities/component/default/${name}/results`)
          .set('authorization', mockCredentials.user.header());
      const theirs = await get('theirs');
      expect(theirs.status).toBe(403);
      expect(theirs.body.error.message).toMatch(
        /not allowed to read the status of component:default\/theirs/,
      );
      // allowed; then nothing answers at the annotation's URL
      expect((await get('ours')).status).toBe(503);
    } finally {
      await backend.stop();
    }
  });
});
