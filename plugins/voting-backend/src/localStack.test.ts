/**
 * Sandbox mode (`voting.sandbox`): every environment's tallies come from the voting stack on this
 * machine, whatever its annotation says, and the answers say so; a bad block stops the start.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader, type JsonObject } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  RESULT_URL_ANNOTATION,
  type LocalStackSource,
} from '@voting-platform/plugin-voting-common';
import {
  pollResultsFixture,
  votingEnvironmentFixture,
} from '@voting-platform/plugin-voting-common/testUtils';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { readLocalStack } from './localStack';
import { votingPlugin } from './plugin';
import { checkVotes } from './status/sections';

const VOTE_URL = 'http://localhost:8080';

/** The local result app: a real HTTP server answering `GET /api/results` with the fixture. */
const localResults = createServer((req, res) => {
  const found = req.url === '/api/results';
  res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
  res.end(found ? JSON.stringify(pollResultsFixture()) : '{}');
});
let localStack: LocalStackSource;

beforeAll(async () => {
  await new Promise<void>(done => localResults.listen(0, '127.0.0.1', done));
  const { port } = localResults.address() as AddressInfo;
  localStack = {
    kind: 'local-stack',
    voteUrl: VOTE_URL,
    resultUrl: `http://127.0.0.1:${port}`,
  };
});
afterAll(() => new Promise(done => localResults.close(done)));

/** An environment's Component as the catalog module makes it: its own, unreachable, URL. */
const environment = (name: string, annotated = true): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: annotated
      ? { [RESULT_URL_ANNOTATION]: `https://result.${name}.example.com` }
      : {},
  },
  spec: { type: 'website', lifecycle: 'production', owner: 'team' },
});

async function backendWith(voting: object) {
  return startTestBackend({
    features: [
      votingPlugin,
      mockServices.rootConfig.factory({
        data: { voting: { resultsTimeoutMs: 500, ...voting } },
      }),
      catalogServiceMock.factory({
        entities: [environment('demo'), environment('plain', false)],
      }),
    ],
  });
}

const results = (server: any, name: string) =>
  request(server)
    .get(`/api/voting/entities/component/default/${name}/results`)
    .set('authorization', mockCredentials.user.header());

describe('the results route', () => {
  it('reads every environment from the local stack with voting.sandbox, and says so', async () => {
    const backend = await backendWith({
      sandbox: { voteUrl: localStack.voteUrl, resultUrl: localStack.resultUrl },
      // the annotation's host is not read in sandbox mode, so the list does not apply to it
      allowedResultHosts: ['nowhere.example.com'],
    });
    try {
      const res = await results(backend.server, 'demo');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        entityRef: 'component:default/demo',
        resultUrl: localStack.resultUrl,
        results: pollResultsFixture(),
        servedBy: localStack,
      });
      // only entities with a result service get tallies, sandbox or not
      expect((await results(backend.server, 'plain')).status).toBe(404);
    } finally {
      await backend.stop();
    }
  });

  it("reads the entity's own URL without it: nothing says local-stack", async () => {
    const backend = await backendWith({});
    try {
      const res = await results(backend.server, 'demo');
      // result.demo.example.com does not resolve here: the annotation's URL was the one asked
      expect(res.status).toBe(503);
      expect(res.body.error.message).toMatch(
        /result service of component:default\/demo .*result\.demo\.example\.com/,
      );
      expect(JSON.stringify(res.body)).not.toMatch(/local-stack|sandbox/);
    } finally {
      await backend.stop();
    }
  });

  it('says that the local result service is down, not the environment', async () => {
    const backend = await backendWith({
      sandbox: { voteUrl: VOTE_URL, resultUrl: 'http://127.0.0.1:9' },
    });
    try {
      const res = await results(backend.server, 'demo');
      expect(res.status).toBe(503);
      expect(res.body.error.message).toMatch(
        /the local result service, which answers for component:default\/demo in sandbox mode, is not available: cannot reach http:\/\/127\.0\.0\.1:9\/api\/results/,
      );
    } finally {
      await backend.stop();
    }
  });
});

describe("the status's votes section", () => {
  const context = (stack?: LocalStackSource) => ({
    config: new ConfigReader({}),
    logger: mockServices.logger.mock(),
    resultsTimeoutMs: 500,
    localStack: stack,
    loadBalancerAddress: async () => null,
  });

  it('reads the local stack with voting.sandbox, and says so', async () => {
    await expect(
      checkVotes(votingEnvironmentFixture(), context(localStack)),
    ).resolves.toEqual({
      state: 'ok',
      detail: { ...pollResultsFixture(), servedBy: localStack },
    });
  });

  it("reads the environment's own URL without it", async () => {
    const env = {
      ...votingEnvironmentFixture(),
      resultUrl: localStack.resultUrl,
    };
    await expect(checkVotes(env, context())).resolves.toEqual({
      state: 'ok',
      detail: pollResultsFixture(),
    });
    await expect(
      checkVotes(votingEnvironmentFixture(), context()),
    ).rejects.toThrow(/result\.demo\.example\.com/);
  });
});

describe('voting.sandbox at start-up', () => {
  const read = (sandbox: JsonObject) =>
    readLocalStack(new ConfigReader({ voting: { sandbox } }));

  it('is nothing when unset', () => {
    expect(readLocalStack(new ConfigReader({ voting: {} }))).toBeUndefined();
  });

  it.each([
    [
      'not a URL',
      '//localhost:8081',
      /resultUrl must be an absolute http\(s\) URL/,
    ],
    [
      'a URL without its scheme',
      'localhost:8081',
      /resultUrl must start with http:\/\/ or https:\/\//,
    ],
    [
      'another scheme',
      'ftp://localhost:8081',
      /resultUrl must start with http:\/\/ or https:\/\//,
    ],
    [
      'credentials',
      'http://admin:s3cret@localhost:8081',
      /resultUrl must not contain credentials/,
    ],
    [
      'a query',
      'http://localhost:8081/?x=1',
      /resultUrl must not have a query/,
    ],
  ])('refuses %s, naming the key', (_what, resultUrl, message) => {
    let said = 'nothing';
    try {
      read({ voteUrl: VOTE_URL, resultUrl });
    } catch (error) {
      said = String(error);
    }
    expect(said).toMatch(message);
    // the value may hold a password: never quoted
    expect(said).not.toContain('s3cret');
  });

  it('needs both URLs', () => {
    expect(() => read({ resultUrl: 'http://localhost:8081' })).toThrow(
      /voting\.sandbox\.voteUrl/,
    );
  });

  it('stops the backend from starting, with the reason', async () => {
    await expect(
      backendWith({
        sandbox: {
          voteUrl: 'http://u:p@localhost:8080',
          resultUrl: 'http://localhost:8081',
        },
      }),
    ).rejects.toThrow(/voting\.sandbox\.voteUrl must not contain credentials/);
  });
});
