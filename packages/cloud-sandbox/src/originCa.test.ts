/**
 * The Cloudflare emulator's Origin CA signs the CSR it gets: the certificate parses, carries the
 * requested hostnames, expires when asked, matches the requester's key and chains to the CA.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import Cloudflare from 'cloudflare';
import { CloudflareEmulator } from './index';
import { certificateRequest } from './originCa';

describe('Origin CA of the Cloudflare emulator', () => {
  const emulator = new CloudflareEmulator({
    zones: ['example.com'],
    logViolations: false,
    coverageDir: false,
  });
  let cf: Cloudflare;
  beforeAll(async () => {
    await emulator.start();
    cf = new Cloudflare({
      apiToken: emulator.token,
      baseURL: emulator.url,
      maxRetries: 0,
    });
  });
  afterAll(() => emulator.stop());

  it('signs the CSR: the certificate parses, names the hostnames, expires as asked and matches the key', async () => {
    const hostnames = ['vote.example.com', 'result.example.com'];
    const { csr, privateKeyPem } = await certificateRequest(hostnames);
    const before = Date.now();
    const issued = await cf.originCACertificates.create({
      csr,
      hostnames,
      request_type: 'origin-rsa',
      requested_validity: 90,
    });
    const cert = new X509Certificate(issued.certificate!);
    assert.equal(
      cert.subjectAltName,
      'DNS:vote.example.com, DNS:result.example.com',
    );
    const days = (Date.parse(cert.validTo) - before) / 86_400_000;
    assert.ok(days > 89 && days <= 90.01, `valid for ${days} days`);
    assert.equal(
      cert.checkPrivateKey(createPrivateKey(privateKeyPem)),
      true,
      'the certificate holds the CSR key',
    );
    const other = await certificateRequest(hostnames);
    assert.equal(
      cert.checkPrivateKey(createPrivateKey(other.privateKeyPem)),
      false,
    );
    assert.equal(cert.ca, false);
    // signed by the emulator's CA, not by itself
    assert.equal(cert.checkIssued(cert), false);
    assert.equal(
      cert.verify(new X509Certificate(await emulator.originCaRoot()).publicKey),
      true,
    );
    assert.equal(emulator.violations.length, 0);
  });

  it('refuses a CSR that does not parse', async () => {
    const bad = await cf.originCACertificates
      .create({
        csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIC\n-----END CERTIFICATE REQUEST-----\n',
        hostnames: ['example.com'],
        request_type: 'origin-rsa',
        requested_validity: 7,
      })
      .then(
        () => assert.fail('accepted'),
        (error: unknown) => error as InstanceType<typeof Cloudflare.APIError>,
      );
    assert.equal(bad.status, 400);
    assert.match(String(bad.message), /Failed to parse CSR/);
  });
});
