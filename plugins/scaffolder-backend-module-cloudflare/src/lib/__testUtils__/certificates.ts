import type { CloudflareEmulator } from '@voting-platform/cloud-sandbox';
import { keyAndCsr } from '../originCertificates';

/**
 * Issues an Origin CA certificate through the emulator's API, as a test's set-up does (not
 * through the code under test); returns its id. Its key is thrown away.
 */
export async function issueCertificate(
  cloudflare: CloudflareEmulator,
  hostnames: string[],
): Promise<string> {
  const { csr } = await keyAndCsr(hostnames, 'ecdsa');
  const res = await fetch(`${cloudflare.url}/certificates`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${cloudflare.token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      csr,
      hostnames,
      request_type: 'origin-ecc',
      requested_validity: 5475,
    }),
  });
  const body = (await res.json()) as { result?: { id?: string } };
  if (!res.ok || !body.result?.id)
    throw new Error(`issuing a test certificate failed: ${res.status}`);
  return body.result.id;
}
