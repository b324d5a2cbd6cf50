import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHarness, Crash } from '../lib/__testUtils__/harness';
import { createCloudflareOriginCertificateEnsureAction } from './originCertificateEnsure';

const CREATE = 'origin-ca-create-certificate';

describe('cloudflare:origin-certificate:ensure', () => {
  const h = createHarness();
  const action = () =>
    createCloudflareOriginCertificateEnsureAction(h.options());
  let workspacePath: string;
  beforeEach(async () => {
    workspacePath = await mkdtemp(join(tmpdir(), 'origin-cert-'));
  });
  afterEach(async () => {
    await rm(workspacePath, { recursive: true, force: true });
  });
  const hostnames = ['example.com', '*.example.com'];

  it('creates a certificate with a key made here, writes both to the workspace, and reuses them on a second run', async () => {
    const first = await h.run(action(), { hostnames }, { workspacePath });
    const cert = h.env.sandbox.cloudflare.certificates.get(
      first.outputs.certificateId,
    )!;
    expect(cert).toMatchObject({
      hostnames,
      request_type: 'origin-ecc',
      requested_validity: 5475,
    });
    expect(cert.csr).toContain('BEGIN CERTIFICATE REQUEST');
    expect(first.outputs).toMatchObject({
      hostnames,
      certificatePath: 'tls/origin/tls.crt',
      keyPath: 'tls/origin/tls.key',
      created: true,
      outcome: 'created',
    });
    const key = await readFile(
      join(workspacePath, 'tls/origin/tls.key'),
      'utf8',
    );
    expect(createPrivateKey(key).asymmetricKeyType).toBe('ec');
    expect(
      (await stat(join(workspacePath, 'tls/origin/tls.key'))).mode & 0o777,
    ).toBe(0o600);
    expect(
      await readFile(join(workspacePath, 'tls/origin/tls.crt'), 'utf8'),
    ).toBe(cert.certificate);

    const creates = h.calls(CREATE);
    const second = await h.run(
      action(),
      { hostnames: [...hostnames].reverse() },
      { workspacePath },
    );
    expect(second.outputs).toEqual({
      ...first.outputs,
      hostnames: [...hostnames].reverse(),
      created: false,
      outcome: 'unchanged',
    });
    expect(h.calls(CREATE)).toBe(creates);
    // the key is in no log, output or checkpoint
    const secret = key.split('\n').slice(1, -2).join('');
    for (const text of [
      first.logs,
      first.outputs,
      [...first.checkpoints],
      second.logs,
    ].map(t => JSON.stringify(t))) {
      expect(text).not.toContain(secret.slice(0, 40));
    }
    h.expectNoSecrets(first, second);
  });

  it('makes a new one when the saved certificate was revoked, and an RSA one on request', async () => {
    const first = await h.run(
      action(),
      { hostnames: ['vote.example.com'], keyType: 'rsa', validityDays: 90 },
      { workspacePath },
    );
    expect(
      h.env.sandbox.cloudflare.certificates.get(first.outputs.certificateId),
    ).toMatchObject({ request_type: 'origin-rsa', requested_validity: 90 });
    h.env.sandbox.cloudflare.certificates.delete(first.outputs.certificateId);
    const second = await h.run(
      action(),
      { hostnames: ['vote.example.com'] },
      { workspacePath },
    );
    expect(second.outputs.created).toBe(true);
    expect(second.outputs.certificateId).not.toBe(first.outputs.certificateId);
  });

  it('creates once when the worker dies after the create and the task is retried', async () => {
    const checkpoints = new Map();
    const before = h.calls(CREATE);
    const key =
      'origin-certificate.create.*.example.com,example.com.tls/origin';
    await expect(
      h.run(
        action(),
        { hostnames },
        { workspacePath, checkpoints, crashAfter: key },
      ),
    ).rejects.toThrow(Crash);
    // the stored checkpoint holds the id, never the key
    expect(JSON.stringify(checkpoints.get(key))).not.toContain('PRIVATE KEY');
    const retried = await h.run(
      action(),
      { hostnames },
      { workspacePath, checkpoints },
    );
    expect(h.calls(CREATE)).toBe(before + 1);
    expect(
      await readFile(join(workspacePath, 'tls/origin/tls.crt'), 'utf8'),
    ).toContain('BEGIN CERTIFICATE');
    expect(retried.outputs.certificateId).toBe(
      (checkpoints.get(key) as { id: string }).id,
    );
    // without the record beside the files, the retry takes the certificate from the checkpoint
    // the crashed attempt saved: that attempt created it, this one reuses it
    await rm(join(workspacePath, 'tls/origin/certificate.json'));
    const replayed = await h.run(
      action(),
      { hostnames },
      { workspacePath, checkpoints },
    );
    expect(h.calls(CREATE)).toBe(before + 1);
    expect(replayed.logs.join('\n')).toMatch(
      /^info Reusing Origin CA certificate \S+ for example.com, \*.example.com/m,
    );
    expect(replayed.logs.join('\n')).not.toMatch(/Created/);
  });

  it('dry run creates nothing', async () => {
    const before = h.calls(CREATE);
    const dry = await h.run(
      action(),
      { hostnames },
      { workspacePath, isDryRun: true },
    );
    expect(dry.logs.join('\n')).toContain(
      'Dry run: would create an Origin CA certificate (ecdsa, 5475 days) for example.com, *.example.com into tls/origin',
    );
    expect(dry.outputs).toMatchObject({
      certificateId: 'dry-run-origin-certificate-example.com',
      created: false,
      outcome: 'would-create',
    });
    expect(h.calls(CREATE)).toBe(before);
  });

  it('retries 429 / 5xx, surfaces a persistent 5xx and a 4xx with its message, retries a slow answer', async () => {
    const { faults } = h.env.sandbox.cloudflare;
    faults.add({ operationId: CREATE, status: 429, retryAfter: 0 });
    faults.add({ operationId: CREATE, status: 500 });
    expect(
      (await h.run(action(), { hostnames }, { workspacePath })).outputs.created,
    ).toBe(true);
    const other = await mkdtemp(join(tmpdir(), 'origin-cert-'));
    faults.add({ operationId: CREATE, status: 503, times: Infinity });
    await expect(
      h.run(action(), { hostnames }, { workspacePath: other }),
    ).rejects.toThrow(/create Origin CA certificate for .* failed with 503/);
    faults.clear();
    await expect(
      h.run(
        action(),
        { hostnames: ['vote.example.net'] },
        { workspacePath: other },
      ),
    ).rejects.toThrow(
      /failed with 400: The hostname\(s\) vote.example.net do not belong to a zone of this account \(1010\)/,
    );
    faults.add({
      operationId: CREATE,
      status: 422,
      message: 'Certificate quota exceeded',
      code: 1100,
    });
    await expect(
      h.run(action(), { hostnames }, { workspacePath: other }),
    ).rejects.toThrow(/failed with 422: Certificate quota exceeded \(1100\)/);
    faults.add({ operationId: CREATE, delayMs: 300 });
    expect(
      (
        await h.run(
          createCloudflareOriginCertificateEnsureAction(
            h.options({ requestTimeoutMs: 150 }),
          ),
          { hostnames },
          { workspacePath: other },
        )
      ).outputs.created,
    ).toBe(true);
    await h.settle();
    await rm(other, { recursive: true, force: true });
  });

  it('rejects bad inputs naming the field', async () => {
    await expect(
      h.run(action(), { hostnames: [] }, { workspacePath }),
    ).rejects.toThrow(/hostnames: Array must contain at least 1/);
    await expect(
      h.run(action(), { hostnames: ['bad host'] }, { workspacePath }),
    ).rejects.toThrow(/hostnames.0: a host name/);
    await expect(
      h.run(action(), { hostnames, validityDays: 10 }, { workspacePath }),
    ).rejects.toThrow(/validityDays: /);
    await expect(
      h.run(
        action(),
        { hostnames, targetPath: '../outside' },
        { workspacePath },
      ),
    ).rejects.toThrow(/outside|not allowed/i);
  });
});
