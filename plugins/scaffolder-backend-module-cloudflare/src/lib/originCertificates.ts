import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import type { CloudflareClient } from './client';

/** An Origin CA certificate as Cloudflare lists it (the fields the actions read). */
export interface OriginCertificate {
  id: string;
  certificate: string;
  hostnames: string[];
  expiresOn: string;
  requestType: string;
}

/** The same host names, in any order. */
export const sameHosts = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

/**
 * The certificates Cloudflare holds for exactly these host names in the zone that are neither
 * revoked nor expired: the ones a TLS Secret may use, and the ones a teardown revokes.
 */
export async function listOriginCertificates(
  client: CloudflareClient,
  zoneId: string,
  hostnames: string[],
  now: Date = new Date(),
): Promise<OriginCertificate[]> {
  return client.call(
    `list Origin CA certificates for ${hostnames.join(', ')}`,
    async () => {
      // one request: the API documents no paging for this list, and the SDK's iterator would
      // ask for pages (`page`, `per_page`) it does not take
      const { result } = await client.cf.originCACertificates.list({
        zone_id: zoneId,
      });
      const found: OriginCertificate[] = [];
      for (const c of result) {
        // the API names revoked certificates with revoked_at; the SDK's type leaves it out
        const revoked = (c as { revoked_at?: string }).revoked_at;
        if (
          !c.id ||
          !c.certificate ||
          revoked ||
          !sameHosts(c.hostnames ?? [], hostnames) ||
          (c.expires_on && new Date(c.expires_on) <= now)
        )
          continue;
        found.push({
          id: c.id,
          certificate: c.certificate,
          hostnames: c.hostnames,
          expiresOn: c.expires_on ?? '',
          requestType: c.request_type ?? '',
        });
      }
      return found;
    },
  );
}

/** Revokes one certificate; one revoked (or gone) already is what was wanted. */
export function revokeOriginCertificate(
  client: CloudflareClient,
  id: string,
): Promise<{ id: string }> {
  return client.call(`revoke Origin CA certificate ${id}`, async () => {
    try {
      await client.cf.originCACertificates.delete(id);
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err;
    }
    return { id };
  });
}

const pem = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END ${label}-----\n`;

/** A new key pair and a CSR for the host names; the key goes nowhere but the TLS Secret. */
export async function keyAndCsr(names: string[], keyType: 'ecdsa' | 'rsa') {
  const algorithm =
    keyType === 'ecdsa'
      ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
      : {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name: `CN=${names[0]}`,
      keys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.SubjectAlternativeNameExtension(
          names.map(value => ({ type: 'dns' as const, value })),
        ),
      ],
    },
    webcrypto as Crypto,
  );
  return {
    csr: csr.toString('pem'),
    key: pem(
      'PRIVATE KEY',
      await webcrypto.subtle.exportKey('pkcs8', keys.privateKey),
    ),
  };
}
