import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHarness } from '../lib/__testUtils__/harness';
import { createCloudflareOriginCertificateEnsureAction } from './originCertificateEnsure';

describe('cloudflare:origin-certificate:ensure examples', () => {
  const h = createHarness();
  let workspacePath: string;
  beforeAll(async () => {
    workspacePath = await mkdtemp(join(tmpdir(), 'origin-cert-examples-'));
  });
  afterAll(() => rm(workspacePath, { recursive: true, force: true }));

  it('run against the sandbox: the certificate and key are in the workspace, and a dry run after it reuses them', async () => {
    const action = createCloudflareOriginCertificateEnsureAction(h.options());
    for (const { real, dry } of await runExamples(action, { workspacePath })) {
      expect(real.outputs).toMatchObject({ created: true, outcome: 'created' });
      expect(
        h.env.sandbox.cloudflare.certificates.get(real.outputs.certificateId),
      ).toBeDefined();
      expect(
        await readFile(join(workspacePath, real.outputs.keyPath), 'utf8'),
      ).toContain('PRIVATE KEY');
      expect(dry.outputs).toEqual({
        ...real.outputs,
        created: false,
        outcome: 'unchanged',
      });
      h.expectNoSecrets(real, dry);
    }
  });
});
