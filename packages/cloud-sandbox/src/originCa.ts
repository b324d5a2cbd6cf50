/**
 * The Cloudflare emulator's Origin CA: a key and self-signed root made once per emulator, which
 * signs each CSR it receives, so the certificate parses, carries the requested hostnames, ends
 * when the requested validity does and matches the requester's key, as Cloudflare's does.
 */
import * as x509 from '@peculiar/x509';
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';

// node's WebCrypto is the standard one; only the DOM's type names differ (the overload's second
// parameter is the Crypto type)
x509.cryptoProvider.set(
  webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1],
);
type KeyPair = webcrypto.CryptoKeyPair;

const ALGORITHM = {
  name: 'ECDSA',
  namedCurve: 'P-256',
  hash: 'SHA-256',
} as const;

export class OriginCa {
  #root?: Promise<{ cert: x509.X509Certificate; keys: KeyPair }>;

  #ensureRoot() {
    this.#root ??= (async () => {
      const keys = (await webcrypto.subtle.generateKey(ALGORITHM, false, [
        'sign',
        'verify',
      ])) as KeyPair;
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomBytes(8).toString('hex'),
        name: 'CN=Cloudflare Origin CA (cloud-sandbox), O=cloud-sandbox',
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 20 * 365 * 24 * 3600_000),
        keys,
        signingAlgorithm: ALGORITHM,
        extensions: [
          new x509.BasicConstraintsExtension(true, undefined, true),
          new x509.KeyUsagesExtension(
            x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
            true,
          ),
        ],
      });
      return { cert, keys };
    })();
    return this.#root;
  }

  /** The root certificate (PEM), for clients that want to verify what this CA signed. */
  async rootPem(): Promise<string> {
    return (await this.#ensureRoot()).cert.toString('pem');
  }

  /**
   * Signs `csrPem` for `hostnames` until `notAfter`. Throws when the CSR does not parse or its
   * signature does not verify (the requester does not hold the key).
   */
  async sign(
    csrPem: string,
    hostnames: string[],
    notBefore: Date,
    notAfter: Date,
  ): Promise<string> {
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    if (!(await csr.verify()))
      throw new Error('the CSR signature does not verify');
    const root = await this.#ensureRoot();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomBytes(16)
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
      subject: csr.subject,
      issuer: root.cert.subject,
      notBefore,
      notAfter,
      publicKey: csr.publicKey,
      signingKey: root.keys.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature |
            x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          hostnames.map(value => ({ type: 'dns' as const, value })),
        ),
      ],
    });
    return cert.toString('pem');
  }
}

/** A new key and a CSR for `hostnames`, as a Cloudflare client makes them (tests, scripts). */
export async function certificateRequest(
  hostnames: string[],
): Promise<{ csr: string; privateKeyPem: string }> {
  const algorithm = {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as KeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${hostnames[0]}`,
    keys,
    signingAlgorithm: algorithm,
  });
  return {
    csr: csr.toString('pem'),
    // node:crypto writes the PEM armour
    privateKeyPem: KeyObject.from(keys.privateKey)
      .export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  };
}
