import { CustomErrorBase } from '@backstage/errors';
import { createHarness, Crash } from '../lib/__testUtils__/harness';
import { createCloudflareDnsEnsureAction } from './dnsEnsure';

const OP = {
  list: 'dns-records-for-a-zone-list-dns-records',
  create: 'dns-records-for-a-zone-create-dns-record',
  update: 'dns-records-for-a-zone-update-dns-record',
};

describe('cloudflare:dns:ensure', () => {
  const h = createHarness();
  const action = () => createCloudflareDnsEnsureAction(h.options());
  const a = (name: string, extra: Record<string, unknown> = {}) => ({
    zone: 'example.com',
    name,
    type: 'A',
    content: '203.0.113.10',
    ...extra,
  });

  it('creates the record, leaves it alone on a second run, and updates it when the content changes', async () => {
    const first = await h.run(action(), a('vote', { proxied: true }));
    const [record] = h.records('vote.example.com');
    expect(record).toMatchObject({
      type: 'A',
      content: '203.0.113.10',
      proxied: true,
      ttl: 1,
    });
    expect(first.outputs).toEqual({
      recordId: record!.id,
      zoneId: h.zone().id,
      hostname: 'vote.example.com',
      type: 'A',
      content: '203.0.113.10',
      proxied: true,
      outcome: 'created',
    });

    const writes = h.calls(OP.create) + h.calls(OP.update);
    const second = await h.run(
      action(),
      a('vote.example.com', { proxied: true }),
    );
    expect(second.outputs).toEqual({ ...first.outputs, outcome: 'unchanged' });
    expect(h.calls(OP.create) + h.calls(OP.update)).toBe(writes);

    const third = await h.run(
      action(),
      a('vote', { content: '203.0.113.11', proxied: true }),
    );
    expect(third.outputs).toMatchObject({
      recordId: record!.id,
      outcome: 'updated',
    });
    expect(h.records('vote.example.com')).toEqual([
      expect.objectContaining({ content: '203.0.113.11' }),
    ]);
    h.expectNoSecrets(first, second, third);
  });

  it('fails clearly when the name has several records of the type, or a conflicting CNAME', async () => {
    const zoneId = h.zone().id;
    const cf = h.env.sandbox.cloudflare;
    await h.run(action(), a('multi'));
    cf.records.set('dup', {
      ...h.records('multi.example.com')[0]!,
      id: 'dup',
      content: '203.0.113.99',
    });
    await expect(h.run(action(), a('multi'))).rejects.toThrow(
      /multi.example.com has 2 A records/,
    );
    await h.run(
      action(),
      a('alias', { type: 'CNAME', content: 'elsewhere.example.org' }),
    );
    await expect(h.run(action(), a('alias'))).rejects.toThrow(
      /Cloudflare: create A alias.example.com failed with 400: An A, AAAA, or CNAME record with that host already exists. \(81053\)/,
    );
    expect(zoneId).toBeTruthy();
  });

  it('creates once when the worker dies after the create and the task is retried', async () => {
    const checkpoints = new Map();
    const before = h.calls(OP.create);
    await expect(
      h.run(action(), a('crash'), {
        checkpoints,
        crashAfter: `dns-record.create.${h.zone().id}.A.crash.example.com`,
      }),
    ).rejects.toThrow(Crash);
    const retried = await h.run(action(), a('crash'), { checkpoints });
    expect(h.calls(OP.create)).toBe(before + 1);
    expect(h.records('crash.example.com')).toHaveLength(1);
    expect(retried.outputs.outcome).toBe('unchanged');
  });

  it('dry run reports what it would do and writes nothing', async () => {
    const before = h.calls(OP.create);
    const dry = await h.run(action(), a('dry'), { isDryRun: true });
    expect(dry.outputs).toMatchObject({
      recordId: 'dry-run-dns-record-dry.example.com',
      outcome: 'would-create',
    });
    expect(dry.logs.join('\n')).toContain(
      'Dry run: would create A dry.example.com -> 203.0.113.10',
    );
    expect(h.records('dry.example.com')).toHaveLength(0);
    expect(h.calls(OP.create)).toBe(before);
  });

  it("takes an empty content in a dry run only: the address an earlier step's dry run cannot tell", async () => {
    const dry = await h.run(action(), a('dry-lb', { content: '' }), {
      isDryRun: true,
    });
    expect(dry.outputs.outcome).toBe('would-create');
    expect(dry.logs.join('\n')).toContain(
      "Dry run: would create A dry-lb.example.com -> the address an earlier step's real run gives",
    );
    const before = h.env.sandbox.cloudflare.requests.length;
    await expect(h.run(action(), a('dry-lb', { content: '' }))).rejects.toThrow(
      /^content: empty \(only a dry run takes that/,
    );
    expect(h.env.sandbox.cloudflare.requests.length).toBe(before);
  });

  it('the SDK retries 429 after its retry-after, and 500 / 503; a persistent 5xx is a clear error', async () => {
    const { faults } = h.env.sandbox.cloudflare;
    faults.add({ operationId: OP.create, status: 429, retryAfter: 1 });
    faults.add({ operationId: OP.list, status: 500 });
    faults.add({ operationId: 'zones-get', status: 503 });
    const started = Date.now();
    expect((await h.run(action(), a('retry'))).outputs.outcome).toBe('created');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(h.records('retry.example.com')).toHaveLength(1);
    const fault = faults.add({
      operationId: OP.list,
      status: 503,
      times: Infinity,
    });
    await expect(h.run(action(), a('retry5xx'))).rejects.toThrow(
      /Cloudflare: list A records of retry5xx.example.com failed with 503: Service temporarily unavailable/,
    );
    expect(fault.hits).toBe(3);
  });

  it('a slow answer is retried; one that never comes is a clear error', async () => {
    const slow = createCloudflareDnsEnsureAction(
      h.options({ requestTimeoutMs: 150 }),
    );
    h.env.sandbox.cloudflare.faults.add({
      operationId: 'zones-get',
      delayMs: 300,
    });
    expect((await h.run(slow, a('slow'))).outputs.outcome).toBe('created');
    h.env.sandbox.cloudflare.faults.add({
      operationId: 'zones-get',
      delayMs: 300,
      times: Infinity,
    });
    await expect(h.run(slow, a('slow'))).rejects.toThrow(
      /Cloudflare did not answer "find zone example.com" within 150 ms/,
    );
    await h.settle();
  });

  it('a create that timed out and was retried by the SDK makes one record', async () => {
    h.env.sandbox.cloudflare.faults.add({
      operationId: OP.create,
      delayMs: 300,
    });
    const slow = createCloudflareDnsEnsureAction(
      h.options({ requestTimeoutMs: 150 }),
    );
    const result = await h.run(slow, a('slow-create'));
    await h.settle();
    expect(h.records('slow-create.example.com')).toHaveLength(1);
    expect(result.outputs).toMatchObject({
      recordId: h.records('slow-create.example.com')[0]!.id,
      outcome: 'created',
    });
  });

  it("surfaces a 422 with Cloudflare's message", async () => {
    h.env.sandbox.cloudflare.faults.add({
      operationId: OP.create,
      status: 422,
      code: 81057,
      message: 'Record already exists.',
    });
    await expect(h.run(action(), a('e422'))).rejects.toThrow(
      /failed with 422: Record already exists. \(81057\)/,
    );
  });

  it('throws the @backstage/errors class of the dialect: InputError, NotFoundError, ConflictError, CloudflareError', async () => {
    await expect(
      h.run(action(), a('err', { type: 'MX' })),
    ).rejects.toMatchObject({ name: 'InputError' });
    await expect(
      h.run(
        createCloudflareDnsEnsureAction(h.options({ apiToken: undefined })),
        a('err'),
      ),
    ).rejects.toMatchObject({ name: 'InputError' });
    await expect(
      h.run(action(), a('err', { zone: 'nope.example.net' })),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
    await h.run(action(), a('err-multi'));
    h.env.sandbox.cloudflare.records.set('dup-err', {
      ...h.records('err-multi.example.com')[0]!,
      id: 'dup-err',
      content: '203.0.113.98',
    });
    await expect(h.run(action(), a('err-multi'))).rejects.toMatchObject({
      name: 'ConflictError',
    });
    h.env.sandbox.cloudflare.faults.add({
      operationId: OP.create,
      status: 422,
      code: 81057,
      message: 'Record already exists.',
    });
    const provider = await h.run(action(), a('err-422')).catch(e => e);
    expect(provider).toBeInstanceOf(CustomErrorBase);
    expect(provider).toMatchObject({ name: 'CloudflareError', status: 422 });
  });

  it('rejects bad inputs naming the field, and a missing or rejected token naming the setting', async () => {
    await expect(h.run(action(), a('x', { type: 'MX' }))).rejects.toThrow(
      /type: Invalid enum value/,
    );
    await expect(h.run(action(), a('x', { ttl: 5 }))).rejects.toThrow(
      /ttl: 1 \(automatic\) or 30-86400 seconds/,
    );
    await expect(
      h.run(action(), a('x', { type: 'TXT', content: 'v=1', proxied: true })),
    ).rejects.toThrow(/proxied: TXT records cannot be proxied/);
    await expect(
      h.run(action(), a('x', { zone: 'nope.example.net' })),
    ).rejects.toThrow(/No Cloudflare zone "nope.example.net"/);
    await expect(
      h.run(
        createCloudflareDnsEnsureAction(h.options({ apiToken: undefined })),
        a('x'),
      ),
    ).rejects.toThrow(
      /set cloudflare.apiToken in app-config or pass the cloudflareApiToken task secret/,
    );
    const err = await h
      .run(action(), a('x'), {
        secrets: { cloudflareApiToken: 'cf-wrong-token' },
      })
      .catch(e => e);
    expect(err.message).toMatch(
      /Cloudflare rejected the API token \(401 .*\): check cloudflare.apiToken/,
    );
    expect(err.message).not.toContain('cf-wrong-token');
    const viaSecret = await h.run(
      createCloudflareDnsEnsureAction(
        h.options({ apiToken: 'cf-wrong-token' }),
      ),
      a('via-secret'),
      { secrets: { cloudflareApiToken: h.env.sandbox.cloudflare.token } },
    );
    expect(viaSecret.outputs.outcome).toBe('created');
    h.expectNoSecrets(err.message, err.logs, viaSecret);
  });
});
