import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';
import { CloudflareEmulator } from './index';
import { certificateRequest } from './originCa';

let CSR: string;
beforeAll(async () => {
  CSR = (await certificateRequest(['example.com'])).csr;
});

async function failure(
  promise: Promise<unknown>,
): Promise<InstanceType<typeof Cloudflare.APIError>> {
  try {
    await promise;
  } catch (err) {
    assert.ok(
      err instanceof Cloudflare.APIError,
      `expected an APIError, got ${err}`,
    );
    return err;
  }
  return assert.fail('expected the call to fail');
}

describe('Cloudflare emulator driven by the cloudflare SDK', () => {
  const emulator = new CloudflareEmulator({
    zones: ['example.com', 'example.org'],
    logViolations: false,
  });
  let cf: Cloudflare;
  let zoneId: string;

  beforeAll(async () => {
    await emulator.start();
    cf = new Cloudflare({
      apiToken: emulator.token,
      baseURL: emulator.url,
      maxRetries: 0,
    });
    zoneId = [...emulator.zones.values()].find(
      z => z.name === 'example.com',
    )!.id;
  });
  afterAll(() => emulator.stop());
  afterEach(() => {
    emulator.assertNoViolations();
    emulator.faults.clear();
  });

  it('looks a zone up by name', async () => {
    const page = await cf.zones.list({ name: 'example.com' });
    assert.deepEqual(
      page.result.map(z => z.name),
      ['example.com'],
    );
    assert.equal(page.result[0]!.id, zoneId);
    const zone = await cf.zones.get({ zone_id: zoneId });
    assert.equal(zone.name, 'example.com');
    assert.equal(
      (await cf.zones.list({ name: 'nope.example' })).result.length,
      0,
    );
  });

  it('answers 401 in the envelope for a wrong token', async () => {
    const wrong = new Cloudflare({
      apiToken: 'wrong',
      baseURL: emulator.url,
      maxRetries: 0,
    });
    const err = await failure(wrong.zones.list());
    assert.equal(err.status, 401);
    assert.equal((err.errors[0] as { code: number }).code, 10000);
    const dns = await failure(wrong.dns.records.list({ zone_id: zoneId }));
    assert.equal(dns.status, 401);
  });

  it('creates, reads, patches, replaces and deletes DNS records', async () => {
    const created = await cf.dns.records.create({
      zone_id: zoneId,
      type: 'A',
      name: 'vote',
      content: '203.0.113.10',
      ttl: 1,
      proxied: true,
    });
    assert.equal(created.name, 'vote.example.com');
    assert.equal(created.proxied, true);
    const got = await cf.dns.records.get(created.id, { zone_id: zoneId });
    assert.equal(got.content, '203.0.113.10');
    const patched = await cf.dns.records.edit(created.id, {
      zone_id: zoneId,
      type: 'A',
      name: 'vote',
      content: '203.0.113.11',
      ttl: 1,
    });
    assert.equal(patched.content, '203.0.113.11');
    assert.equal(patched.proxied, true, 'PATCH keeps what it does not name');
    const replaced = await cf.dns.records.update(created.id, {
      zone_id: zoneId,
      type: 'A',
      name: 'vote.example.com',
      content: '203.0.113.12',
      ttl: 300,
    });
    assert.equal(replaced.proxied, false, 'PUT replaces the record');
    assert.equal(replaced.ttl, 300);
    const deleted = await cf.dns.records.delete(created.id, {
      zone_id: zoneId,
    });
    assert.equal(deleted?.id, created.id);
    const gone = await failure(
      cf.dns.records.get(created.id, { zone_id: zoneId }),
    );
    assert.equal(gone.status, 404);
  });

  it('refuses an identical record and a CNAME beside an A record', async () => {
    await cf.dns.records.create({
      zone_id: zoneId,
      type: 'A',
      name: 'dup',
      content: '203.0.113.20',
      ttl: 1,
    });
    const identical = await failure(
      cf.dns.records.create({
        zone_id: zoneId,
        type: 'A',
        name: 'dup.example.com',
        content: '203.0.113.20',
        ttl: 1,
      }),
    );
    assert.equal(identical.status, 400);
    assert.equal((identical.errors[0] as { code: number }).code, 81058);
    const cname = await failure(
      cf.dns.records.create({
        zone_id: zoneId,
        type: 'CNAME',
        name: 'dup',
        content: 'example.org',
        ttl: 1,
      }),
    );
    assert.equal((cname.errors[0] as { code: number }).code, 81053);
  });

  it('filters DNS records by name.exact / name.contains / type / content as the SDK sends them', async () => {
    await cf.dns.records.create({
      zone_id: zoneId,
      type: 'A',
      name: 'result',
      content: '203.0.113.30',
      ttl: 1,
    });
    await cf.dns.records.create({
      zone_id: zoneId,
      type: 'AAAA',
      name: 'result',
      content: '2001:db8::30',
      ttl: 1,
    });
    await cf.dns.records.create({
      zone_id: zoneId,
      type: 'TXT',
      name: 'result-verify',
      content: '"v=sandbox"',
      ttl: 1,
    });
    const exact = await cf.dns.records.list({
      zone_id: zoneId,
      name: { exact: 'result.example.com' },
    });
    assert.deepEqual(exact.result.map(r => r.type).sort(), ['A', 'AAAA']);
    const typed = await cf.dns.records.list({
      zone_id: zoneId,
      name: { exact: 'result.example.com' },
      type: 'A',
    });
    assert.deepEqual(
      typed.result.map(r => r.content),
      ['203.0.113.30'],
    );
    const contains = await cf.dns.records.list({
      zone_id: zoneId,
      name: { contains: 'result' },
    });
    assert.equal(contains.result.length, 3);
    const starts = await cf.dns.records.list({
      zone_id: zoneId,
      name: { startswith: 'result-' },
    });
    assert.deepEqual(
      starts.result.map(r => r.type),
      ['TXT'],
    );
    const content = await cf.dns.records.list({
      zone_id: zoneId,
      content: { exact: '2001:db8::30' },
    });
    assert.deepEqual(
      content.result.map(r => r.type),
      ['AAAA'],
    );
    const last = emulator.requests.at(-1)!;
    assert.equal(last.operationId, 'dns-records-for-a-zone-list-dns-records');
  });

  it('paginates with page/per_page/result_info; the SDK iterator reaches the last page', async () => {
    const other = [...emulator.zones.values()].find(
      z => z.name === 'example.org',
    )!.id;
    for (let i = 0; i < 12; i++)
      await cf.dns.records.create({
        zone_id: other,
        type: 'A',
        name: `n${i}`,
        content: `198.51.100.${i + 1}`,
        ttl: 1,
      });
    const first = await cf.dns.records.list({ zone_id: other, per_page: 5 });
    assert.deepEqual(first.result_info, {
      page: 1,
      per_page: 5,
      count: 5,
      total_count: 12,
      total_pages: 3,
    });
    const requestsBefore = emulator.requests.length;
    const names: string[] = [];
    for await (const record of cf.dns.records.list({
      zone_id: other,
      per_page: 5,
    }))
      names.push(record.name);
    assert.equal(names.length, 12);
    assert.equal(new Set(names).size, 12);
    const pages = emulator.requests.slice(requestsBefore).map(r => r.path);
    assert.equal(
      pages.length,
      4,
      'three pages with records, then the empty page that ends the loop',
    );
  });

  it('sets the ssl zone setting and refuses values other than off|flexible|full|strict', async () => {
    const set = await cf.zones.settings.edit('ssl', {
      zone_id: zoneId,
      value: 'strict',
    } as never);
    assert.equal((set as { value: unknown }).value, 'strict');
    const got = await cf.zones.settings.get('ssl', { zone_id: zoneId });
    assert.equal((got as { value: unknown }).value, 'strict');
    const bad = await failure(
      cf.zones.settings.edit('ssl', {
        zone_id: zoneId,
        value: 'very-strict',
      } as never),
    );
    assert.equal(bad.status, 400);
    assert.equal((bad.errors[0] as { code: number }).code, 1007);
    assert.equal(
      (
        (await cf.zones.settings.get('ssl', { zone_id: zoneId })) as {
          value: unknown;
        }
      ).value,
      'strict',
    );
  });

  it('issues, lists, reads and revokes Origin CA certificates for the zone', async () => {
    const cert = await cf.originCACertificates.create({
      csr: CSR,
      hostnames: ['example.com', '*.example.com'],
      request_type: 'origin-rsa',
      requested_validity: 5475,
    });
    assert.match(cert.certificate ?? '', /^-----BEGIN CERTIFICATE-----\n/);
    const listed = await cf.originCACertificates.list({ zone_id: zoneId });
    assert.ok(listed.result.some(c => c.id === cert.id));
    const got = await cf.originCACertificates.get(cert.id!);
    assert.deepEqual(got.hostnames, ['example.com', '*.example.com']);
    const revoked = await cf.originCACertificates.delete(cert.id!);
    assert.equal(revoked.id, cert.id);
    assert.ok(
      !(await cf.originCACertificates.list({ zone_id: zoneId })).result.some(
        c => c.id === cert.id,
      ),
    );
    const foreign = await failure(
      cf.originCACertificates.create({
        csr: CSR,
        hostnames: ['vote.example.net'],
        request_type: 'origin-rsa',
        requested_validity: 7,
      }),
    );
    assert.equal(foreign.status, 400);
  });

  it('accepts the Origin CA key (X-Auth-User-Service-Key) for certificates only', async () => {
    const caOnly = new Cloudflare({
      apiToken: null,
      userServiceKey: emulator.serviceKey,
      baseURL: emulator.url,
      maxRetries: 0,
    });
    const listed = await caOnly.originCACertificates.list({ zone_id: zoneId });
    assert.ok(Array.isArray(listed.result));
    assert.equal((await failure(caOnly.zones.list())).status, 401);
  });

  describe('fault injection and the SDK retries', () => {
    it('retries a 429 honouring retry-after, then succeeds', async () => {
      const retrying = new Cloudflare({
        apiToken: emulator.token,
        baseURL: emulator.url,
        maxRetries: 2,
      });
      const fault = emulator.faults.add({
        operationId: 'zones-get',
        status: 429,
        retryAfter: 1,
      });
      const started = Date.now();
      const page = await retrying.zones.list({ name: 'example.com' });
      assert.equal(page.result.length, 1);
      assert.ok(
        Date.now() - started >= 950,
        `waited ${Date.now() - started} ms, retry-after said 1 s`,
      );
      assert.equal(fault.hits, 1);
      const zoneCalls = emulator.requests.slice(-2);
      assert.deepEqual(
        zoneCalls.map(r => r.status),
        [429, 200],
      );
    });

    it('retries 500 and 503 up to maxRetries, then gives up', async () => {
      const retrying = new Cloudflare({
        apiToken: emulator.token,
        baseURL: emulator.url,
        maxRetries: 2,
      });
      emulator.faults.add({
        operationId: 'zones-0-get',
        status: 503,
        retryAfter: 0,
      });
      emulator.faults.add({
        operationId: 'zones-0-get',
        status: 500,
        retryAfter: 0,
      });
      assert.equal(
        (await retrying.zones.get({ zone_id: zoneId })).name,
        'example.com',
      );
      emulator.faults.add({
        operationId: 'zones-0-get',
        status: 500,
        retryAfter: 0,
        times: 3,
      });
      const err = await failure(retrying.zones.get({ zone_id: zoneId }));
      assert.equal(err.status, 500);
      assert.deepEqual(
        emulator.requests.slice(-3).map(r => r.status),
        [500, 500, 500],
      );
    });

    it('a 422 with the provider message reaches the caller', async () => {
      emulator.faults.add({
        method: 'POST',
        path: '/client/v4/zones/{zone_id}/dns_records',
        status: 422,
        code: 81057,
        message: 'Record already exists.',
      });
      const err = await failure(
        cf.dns.records.create({
          zone_id: zoneId,
          type: 'A',
          name: 'x',
          content: '203.0.113.99',
          ttl: 1,
        }),
      );
      assert.equal(err.status, 422);
      assert.deepEqual(err.errors, [
        { code: 81057, message: 'Record already exists.' },
      ]);
    });

    it('a slow answer runs into the SDK timeout', async () => {
      const impatient = new Cloudflare({
        apiToken: emulator.token,
        baseURL: emulator.url,
        maxRetries: 0,
        timeout: 150,
      });
      emulator.faults.add({ operationId: 'zones-get', delayMs: 500 });
      await assert.rejects(
        impatient.zones.list(),
        Cloudflare.APIConnectionTimeoutError,
      );
    });
  });
});
