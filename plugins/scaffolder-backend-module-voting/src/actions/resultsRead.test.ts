import { ConfigReader } from '@backstage/config';
import { runAction } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { pollResultsFixture } from '@voting-platform/plugin-voting-common/testUtils';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createVotingResultsReadAction } from './resultsRead';

describe('voting:results:read', () => {
  const action = createVotingResultsReadAction();
  let server: Server;
  let baseUrl: string;
  let body = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/api/results') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise(resolve => server.close(resolve));
  });

  it('outputs the tallies of a result service, the same in a dry run', async () => {
    body = JSON.stringify(pollResultsFixture());
    const real = await runAction(action, { resultUrl: baseUrl });
    expect(real.outputs).toEqual(pollResultsFixture());
    expect(real.logs).toEqual(['info default: 3 votes (Cats 2, Dogs 1)']);
    const dry = await runAction(
      action,
      { resultUrl: baseUrl, timeoutMs: 2000 },
      { isDryRun: true },
    );
    expect(dry.outputs).toEqual(real.outputs);
    expect(dry.logs).toEqual([
      'info Dry run: default: 3 votes (Cats 2, Dogs 1)',
    ]);
  });

  it('fails with the reason when the answer is not tallies', async () => {
    body = '{"status":"ok"}';
    await expect(
      runAction(action, { resultUrl: baseUrl, timeoutMs: 2000 }),
    ).rejects.toThrow(/not a results document/);
  });

  it('fails on a 404 (not a result service)', async () => {
    await expect(
      runAction(action, {
        resultUrl: `${baseUrl}/elsewhere`,
        timeoutMs: 2000,
      }),
    ).rejects.toThrow(/answered 404/);
  });

  it('refuses a URL with credentials or a query as an InputError, before any request', async () => {
    await expect(
      runAction(action, { resultUrl: 'http://user:pw@127.0.0.1:1' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(
        /resultUrl: .*must not contain credentials/,
      ),
    });
    await expect(
      runAction(action, { resultUrl: `${baseUrl}?x=1` }),
    ).rejects.toThrow(/resultUrl: .* must not have a query/);
  });
});

describe('voting:results:read with voting.allowedResultHosts', () => {
  let server: Server;
  let host: string;
  const tallies = JSON.stringify(pollResultsFixture());

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/api/results') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(tallies);
      } else {
        res
          .writeHead(302, { location: 'http://169.254.169.254/api/results' })
          .end();
      }
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise(resolve => server.close(resolve));
  });

  const action = (allowedResultHosts: string[]) =>
    createVotingResultsReadAction({
      config: new ConfigReader({ voting: { allowedResultHosts } }),
    });
  const run = async (allowed: string[], resultUrl: string) =>
    (await runAction(action(allowed), { resultUrl, timeoutMs: 2000 })).outputs;

  it('reads a listed host', async () => {
    await expect(
      run([host.toUpperCase()], `http://${host}`),
    ).resolves.toMatchObject({ poll: 'default' });
  });

  it('refuses a host that is not listed, before any request', async () => {
    let requests = 0;
    server.once('request', () => {
      requests++;
    });
    await expect(
      run(['result.example.com'], `http://${host}`),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: `${host} (from resultUrl) is not in voting.allowedResultHosts`,
    });
    await expect(run([host], 'http://169.254.169.254')).rejects.toThrow(
      /169.254.169.254 .* not in voting.allowedResultHosts/,
    );
    expect(requests).toBe(0);
  });

  it('follows no redirect away from a listed host', async () => {
    await expect(run([host], `http://${host}/moved`)).rejects.toThrow();
  });
});
