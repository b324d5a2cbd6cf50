import type { FetchApi } from '@backstage/core-plugin-api';
import { VotingOptionsClient } from './optionsApi';

/** A voting backend that answers each path with what `answer` says, counting the calls. */
function backend(answer: (n: number) => { status: number; body: unknown }) {
  const calls: string[] = [];
  const fetchApi: FetchApi = {
    fetch: async (input: any) => {
      calls.push(String(input));
      const { status, body } = answer(calls.length);
      return {
        ok: status < 400,
        status,
        statusText: status < 400 ? 'OK' : 'Service Unavailable',
        headers: { get: () => 'application/json' },
        json: async () => body,
        text: async () => JSON.stringify(body),
      } as unknown as Response;
    },
  };
  const client = new VotingOptionsClient({
    discoveryApi: { getBaseUrl: async () => 'http://backend/api/voting' },
    fetchApi,
  });
  return { calls, client };
}

describe('VotingOptionsClient', () => {
  afterEach(() => jest.useRealTimers());

  it('reads each list from the backend, shared by the fields of a form', async () => {
    const { calls, client } = backend(() => ({
      status: 200,
      body: { zones: [{ id: 'z1', name: 'example.com' }] },
    }));
    const [a, b] = await Promise.all([client.getZones(), client.getZones()]);
    expect(a).toEqual([{ id: 'z1', name: 'example.com' }]);
    expect(b).toEqual(a);
    expect(calls).toEqual(['http://backend/api/voting/options/zones']);
  });

  it('asks again after a failure, and once the shared answer is a minute old', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-01T00:00:00Z') });
    const { calls, client } = backend(n =>
      n === 1
        ? { status: 503, body: { error: { name: 'ServiceUnavailableError' } } }
        : { status: 200, body: { regions: [], versions: [], nodeSizes: [] } },
    );
    await expect(client.getKubernetesOptions()).rejects.toThrow(/503/);
    await client.getKubernetesOptions();
    await client.getKubernetesOptions();
    expect(calls).toHaveLength(2);
    jest.setSystemTime(new Date('2026-12-01T00:01:01Z'));
    await client.getKubernetesOptions();
    expect(calls).toHaveLength(3);
  });
});
