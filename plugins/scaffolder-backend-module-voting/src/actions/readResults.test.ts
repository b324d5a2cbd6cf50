import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createReadResultsAction } from './readResults';

describe('voting:results:read', () => {
  const action = createReadResultsAction();
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

  it('outputs the tallies of a result service', async () => {
    body = JSON.stringify({
      poll: 'default',
      question: 'Cats or dogs?',
      total: 4,
      options: [
        { id: 'a', label: 'Cats', votes: 3, percent: 75 },
        { id: 'b', label: 'Dogs', votes: 1, percent: 25 },
      ],
    });
    const ctx = createMockActionContext({
      input: { resultUrl: baseUrl, timeoutMs: 2000 },
    });
    await action.handler(ctx);
    const outputs = Object.fromEntries((ctx.output as jest.Mock).mock.calls);
    expect(outputs).toMatchObject({ poll: 'default', total: 4 });
    expect(outputs.options).toHaveLength(2);
  });

  it('fails with the reason when the answer is not tallies', async () => {
    body = '{"status":"ok"}';
    const ctx = createMockActionContext({
      input: { resultUrl: baseUrl, timeoutMs: 2000 },
    });
    await expect(action.handler(ctx)).rejects.toThrow(/not a results document/);
  });

  it('fails on a 404 (not a result service)', async () => {
    const ctx = createMockActionContext({
      input: { resultUrl: `${baseUrl}/elsewhere`, timeoutMs: 2000 },
    });
    await expect(action.handler(ctx)).rejects.toThrow(/answered 404/);
  });
});

describe('voting:results:read with voting.allowedResultHosts', () => {
  let server: Server;
  let host: string;
  const tallies = JSON.stringify({
    poll: 'default',
    question: 'Q?',
    total: 0,
    options: [],
  });

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
    createReadResultsAction({
      config: new ConfigReader({ voting: { allowedResultHosts } }),
    });
  const run = (allowed: string[], resultUrl: string) => {
    const ctx = createMockActionContext({
      input: { resultUrl, timeoutMs: 2000 },
    });
    return action(allowed)
      .handler(ctx)
      .then(() => Object.fromEntries((ctx.output as jest.Mock).mock.calls));
  };

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
    await expect(run(['result.example.com'], `http://${host}`)).rejects.toThrow(
      `${host} (from resultUrl) is not in voting.allowedResultHosts`,
    );
    await expect(run([host], 'http://169.254.169.254')).rejects.toThrow(
      /169.254.169.254 .* not in voting.allowedResultHosts/,
    );
    expect(requests).toBe(0);
  });

  it('follows no redirect away from a listed host', async () => {
    await expect(run([host], `http://${host}/moved`)).rejects.toThrow();
  });
});
