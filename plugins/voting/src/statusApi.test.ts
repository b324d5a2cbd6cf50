import type { FetchApi } from '@backstage/core-plugin-api';
import { MAX_STATUS_BATCH } from '@voting-platform/plugin-voting-common';
import { VotingStatusClient } from './statusApi';

/** A voting backend whose batch route answers every name asked for, keeping the bodies asked. */
function backend() {
  const asked: string[][] = [];
  const fetchApi: FetchApi = {
    fetch: async (_input: any, init?: RequestInit) => {
      const { names = [] } = JSON.parse(String(init?.body)) as {
        names?: string[];
      };
      asked.push(names);
      // one refused and one unrecorded name per call, the rest answered
      const [denied, missing, ...items] = names;
      return {
        ok: true,
        status: 200,
        json: async () => ({
          items: items.map(name => ({ name })),
          denied: denied ? [denied] : [],
          missing: missing ? [missing] : [],
        }),
      } as unknown as Response;
    },
  };
  const client = new VotingStatusClient({
    discoveryApi: { getBaseUrl: async () => 'http://backend/api/voting' },
    fetchApi,
  });
  return { asked, client };
}

describe('VotingStatusClient.getStatuses', () => {
  it('asks for up to MAX_STATUS_BATCH environments in one call', async () => {
    const { asked, client } = backend();
    const names = Array.from({ length: MAX_STATUS_BATCH }, (_, i) => `e${i}`);
    const answer = await client.getStatuses(names);
    expect(asked).toEqual([names]);
    expect(answer.items).toHaveLength(MAX_STATUS_BATCH - 2);
  });

  it('splits more into calls the backend takes, and joins their answers in order', async () => {
    const { asked, client } = backend();
    const names = Array.from(
      { length: 2 * MAX_STATUS_BATCH + 1 },
      (_, i) => `e${i}`,
    );
    const answer = await client.getStatuses(names);
    expect(asked.map(chunk => chunk.length)).toEqual([
      MAX_STATUS_BATCH,
      MAX_STATUS_BATCH,
      1,
    ]);
    expect(asked.flat()).toEqual(names);
    expect(answer.denied).toEqual([
      'e0',
      `e${MAX_STATUS_BATCH}`,
      `e${2 * MAX_STATUS_BATCH}`,
    ]);
    expect(answer.missing).toEqual(['e1', `e${MAX_STATUS_BATCH + 1}`]);
    expect(answer.items.map(item => item.name)).toEqual(
      names.filter((_, i) => i % MAX_STATUS_BATCH > 1),
    );
  });
});
