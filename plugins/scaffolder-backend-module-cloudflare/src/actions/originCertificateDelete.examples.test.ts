import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { createHarness } from '../lib/__testUtils__/harness';
import { issueCertificate } from '../lib/__testUtils__/certificates';
import { createCloudflareOriginCertificateDeleteAction } from './originCertificateDelete';

describe('cloudflare:origin-certificate:delete examples', () => {
  const h = createHarness();

  it('run against the sandbox: the certificates are revoked, and a dry run after it finds nothing to revoke', async () => {
    const id = await issueCertificate(h.env.sandbox.cloudflare, [
      'vote.example.com',
      'result.example.com',
    ]);
    const action = createCloudflareOriginCertificateDeleteAction(h.options());
    const results = await runExamples(action);
    expect(results).toHaveLength(1);
    for (const { real, dry } of results) {
      expect(real.outputs).toEqual({ revoked: [id], outcome: 'deleted' });
      expect(
        h.env.sandbox.cloudflare.certificates.get(id)!.revoked,
      ).toBeTruthy();
      expect(dry.outputs).toEqual({ revoked: [], outcome: 'absent' });
      h.expectNoSecrets(real, dry);
    }
  });
});
