import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { createHarness } from '../lib/__testUtils__/harness';
import { createCloudflareOriginCertificateEnsureAction } from './originCertificateEnsure';

jest.setTimeout(120_000);

describe('cloudflare:origin-certificate:ensure examples', () => {
  const h = createHarness({ cluster: true });

  it('run against the sandbox and a local control plane: the certificate and key are in the TLS Secret, and a dry run after it reuses them', async () => {
    const action = createCloudflareOriginCertificateEnsureAction(h.options());
    const results = await runExamples(action, {
      values: { 'steps.cluster.output.clusterId': h.clusterId },
    });
    expect(results).toHaveLength(1);
    for (const { real, dry } of results) {
      expect(real.outputs).toMatchObject({
        outcome: 'created',
        namespace: 'voting',
        secretName: 'cloudflare-origin-tls',
        revoked: [],
      });
      const secret: any = await h.cluster.admin.get(
        'v1',
        'Secret',
        'cloudflare-origin-tls',
        'voting',
      );
      expect(Buffer.from(secret.data['tls.crt'], 'base64').toString()).toBe(
        h.env.sandbox.cloudflare.certificates.get(real.outputs.certificateId)!
          .certificate,
      );
      expect(dry.outputs).toEqual({ ...real.outputs, outcome: 'unchanged' });
      h.expectNoSecrets(real, dry);
    }
  });
});
