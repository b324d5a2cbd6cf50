import { createHarness, Crash } from '../lib/__testUtils__/harness';
import { createCloudflareDnsDeleteAction } from './dnsDelete';
import { createCloudflareDnsEnsureAction } from './dnsEnsure';

const DELETE = 'dns-records-for-a-zone-delete-dns-record';

describe('cloudflare:dns:delete', () => {
  const h = createHarness();
  const action = () => createCloudflareDnsDeleteAction(h.options());
  const upsert = (name: string, type = 'A', content = '203.0.113.20') =>
    h.run(createCloudflareDnsEnsureAction(h.options()), {
      zone: 'example.com',
      name,
      type,
      content,
    });

  it('deletes every record of the name, and succeeds when there are none', async () => {
    await upsert('result');
    await upsert('result', 'TXT', 'owner=voting');
    const first = await h.run(action(), {
      zone: 'example.com',
      name: 'result',
    });
    expect(first.outputs).toMatchObject({
      deleted: [expect.any(String), expect.any(String)],
      outcome: 'deleted',
    });
    expect(h.records('result.example.com')).toHaveLength(0);
    const before = h.calls(DELETE);
    expect(
      (
        await h.run(action(), {
          zone: 'example.com',
          name: 'result.example.com',
        })
      ).outputs,
    ).toEqual({
      hostname: 'result.example.com',
      deleted: [],
      outcome: 'absent',
    });
    expect(h.calls(DELETE)).toBe(before);
    h.expectNoSecrets(first);
  });

  it('deletes only the type asked for', async () => {
    await upsert('typed');
    await upsert('typed', 'TXT', 'keep');
    await h.run(action(), { zone: 'example.com', name: 'typed', type: 'A' });
    expect(h.records('typed.example.com')).toEqual([
      expect.objectContaining({ type: 'TXT' }),
    ]);
  });

  it('a retried task does not delete again what it deleted before it died', async () => {
    await upsert('crash');
    const [record] = h.records('crash.example.com');
    const checkpoints = new Map();
    const before = h.calls(DELETE);
    await expect(
      h.run(
        action(),
        { zone: 'example.com', name: 'crash' },
        {
          checkpoints,
          crashAfter: `dns-record.delete.${h.zone().id}.${record!.id}`,
        },
      ),
    ).rejects.toThrow(Crash);
    await h.run(
      action(),
      { zone: 'example.com', name: 'crash' },
      { checkpoints },
    );
    expect(h.calls(DELETE)).toBe(before + 1);
  });

  it('dry run deletes nothing', async () => {
    await upsert('dry');
    const dry = await h.run(
      action(),
      { zone: 'example.com', name: 'dry' },
      { isDryRun: true },
    );
    expect(dry.logs.join('\n')).toContain(
      'Dry run: would delete 1 record(s) of dry.example.com',
    );
    expect(dry.outputs).toMatchObject({
      deleted: [h.records('dry.example.com')[0]!.id],
      outcome: 'would-delete',
    });
    expect(h.records('dry.example.com')).toHaveLength(1);
  });

  it('retries 429 / 5xx, surfaces a persistent 5xx and a 422, and treats a record gone meanwhile as deleted', async () => {
    await upsert('faults');
    const { faults } = h.env.sandbox.cloudflare;
    faults.add({ operationId: DELETE, status: 503, times: Infinity });
    await expect(
      h.run(action(), { zone: 'example.com', name: 'faults' }),
    ).rejects.toThrow(
      /delete record .* failed with 503: Service temporarily unavailable/,
    );
    faults.clear();
    faults.add({
      operationId: DELETE,
      status: 422,
      message: 'Record is locked.',
      code: 1061,
    });
    await expect(
      h.run(action(), { zone: 'example.com', name: 'faults' }),
    ).rejects.toThrow(/failed with 422: Record is locked. \(1061\)/);
    faults.add({ operationId: DELETE, status: 429, retryAfter: 0 });
    faults.add({ operationId: DELETE, status: 500 });
    expect(
      (await h.run(action(), { zone: 'example.com', name: 'faults' })).outputs
        .deleted,
    ).toHaveLength(1);
    await upsert('gone');
    faults.add({
      operationId: DELETE,
      status: 404,
      message: 'Record does not exist.',
      code: 81044,
    });
    expect(
      (await h.run(action(), { zone: 'example.com', name: 'gone' })).outputs
        .deleted,
    ).toHaveLength(1);
  });

  it('a slow answer is retried', async () => {
    await upsert('slow');
    h.env.sandbox.cloudflare.faults.add({
      operationId: 'dns-records-for-a-zone-list-dns-records',
      delayMs: 300,
    });
    expect(
      (
        await h.run(
          createCloudflareDnsDeleteAction(h.options({ requestTimeoutMs: 150 })),
          { zone: 'example.com', name: 'slow' },
        )
      ).outputs.deleted,
    ).toHaveLength(1);
    await h.settle();
  });

  it('rejects bad inputs naming the field', async () => {
    await expect(
      h.run(action(), { zone: 'example.com', name: 'bad name' }),
    ).rejects.toThrow(/name: a host name/);
    await expect(
      h.run(action(), { zone: 'not a zone', name: 'x' }),
    ).rejects.toThrow(/zone: a zone name/);
  });
});
