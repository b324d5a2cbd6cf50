import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  fetchPollResults,
  parsePollResults,
  resultsApiUrl,
  ResultServiceError,
} from './results';
import { pollResultsFixture } from './testUtils';

const tallies = pollResultsFixture();

/** A real HTTP server whose answer each test chooses. */
let server: Server;
let baseUrl: string;
let answer: (res: import('node:http').ServerResponse) => void;
let lastPath: string | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    lastPath = req.url;
    answer(res);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise(resolve => server.close(resolve));
});

describe('resultsApiUrl', () => {
  it('appends /api/results to the base path', () => {
    expect(resultsApiUrl('https://result.example.com').toString()).toBe(
      'https://result.example.com/api/results',
    );
    expect(resultsApiUrl('http://host:8081/voting/').toString()).toBe(
      'http://host:8081/voting/api/results',
    );
  });

  it.each([
    ['not a url', /not an absolute URL/],
    ['ftp://host', /must use http or https/],
    ['file:///etc/passwd', /must use http or https/],
    ['http://user:secret@host', /must not contain credentials/],
    ['http://host/?a=1', /must not have a query/],
  ])('rejects %s', (url, message) => {
    expect(() => resultsApiUrl(url)).toThrow(message);
  });
});

describe('parsePollResults', () => {
  it('accepts the result service document and drops unknown fields', () => {
    expect(parsePollResults({ ...tallies, extra: true })).toEqual(tallies);
  });

  it('names the first problem', () => {
    expect(() =>
      parsePollResults({ ...tallies, options: [{ id: 'a', label: 'Cats' }] }),
    ).toThrow(/at options\.0\.votes/);
    expect(() => parsePollResults({ ...tallies, total: -1 })).toThrow(
      /at total/,
    );
  });
});

describe('fetchPollResults', () => {
  it('reads the tallies from <base>/api/results', async () => {
    answer = res =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(tallies));
    await expect(
      fetchPollResults(baseUrl, { timeoutMs: 2000 }),
    ).resolves.toEqual(tallies);
    expect(lastPath).toBe('/api/results');
  });

  it('reports an error status', async () => {
    answer = res => res.writeHead(503).end('down');
    await expect(
      fetchPollResults(baseUrl, { timeoutMs: 2000 }),
    ).rejects.toMatchObject({ failure: 'bad-status', message: /answered 503/ });
  });

  it('reports a body that is not JSON or not tallies', async () => {
    answer = res => res.writeHead(200).end('<html>');
    await expect(
      fetchPollResults(baseUrl, { timeoutMs: 2000 }),
    ).rejects.toMatchObject({
      failure: 'bad-body',
      message: /did not return JSON/,
    });
    answer = res => res.writeHead(200).end('{"poll":"x"}');
    await expect(
      fetchPollResults(baseUrl, { timeoutMs: 2000 }),
    ).rejects.toMatchObject({ failure: 'bad-body' });
  });

  it('gives up after the timeout', async () => {
    answer = () => {}; // never answers
    const started = Date.now();
    const error = await fetchPollResults(baseUrl, { timeoutMs: 300 }).catch(
      e => e,
    );
    expect(error).toBeInstanceOf(ResultServiceError);
    expect(error).toMatchObject({ failure: 'timeout' });
    expect(error.message).toMatch(/did not answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports an unreachable service', async () => {
    const closed = createServer();
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise(resolve => closed.close(resolve));
    await expect(
      fetchPollResults(`http://127.0.0.1:${port}`, { timeoutMs: 2000 }),
    ).rejects.toMatchObject({
      failure: 'unreachable',
      message: /ECONNREFUSED/,
    });
  });
});
