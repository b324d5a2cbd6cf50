import { createHarness, Crash } from '../lib/__testUtils__/harness';
import { issueCertificate } from '../lib/__testUtils__/certificates';
import { createCloudflareOriginCertificateDeleteAction } from './originCertificateDelete';

const REVOKE = 'origin-ca-revoke-certificate';

describe('cloudflare:origin-certificate:delete', () => {
  const h = createHarness();
  const action = () =>
    createCloudflareOriginCertificateDeleteAction(h.options());
  const certificates = () => h.env.sandbox.cloudflare.certificates;
  const issue = (hostnames: string[]) =>
    issueCertificate(h.env.sandbox.cloudflare, hostnames);
  const hostnames = ['vote.app.example.com', 'result.app.example.com'];

  it('revokes every valid certificate for exactly these host names, and a second run has nothing to revoke', async () => {
    const ids = [await issue(hostnames), await issue([...hostnames].reverse())];
    const other = await issue(['vote.app.example.com']);
    const first = await h.run(action(), { zone: 'example.com', hostnames });
    expect(first.outputs).toEqual({
      revoked: expect.arrayContaining(ids),
      outcome: 'deleted',
    });
    expect(first.outputs.revoked).toHaveLength(2);
    for (const id of ids) expect(certificates().get(id)!.revoked).toBeTruthy();
    expect(certificates().get(other)!.revoked).toBeFalsy();
    expect(first.logs.join('\n')).toContain(
      `Revoked Origin CA certificate ${ids[0]}`,
    );

    const revokes = h.calls(REVOKE);
    const second = await h.run(action(), { zone: 'example.com', hostnames });
    expect(second.outputs).toEqual({ revoked: [], outcome: 'absent' });
    expect(second.logs.join('\n')).toContain(
      'No valid Origin CA certificate for vote.app.example.com, result.app.example.com: nothing to revoke',
    );
    expect(h.calls(REVOKE)).toBe(revokes);
    h.expectNoSecrets(first, second);
  });

  it('revokes each once when the worker dies between two revocations and the task is retried', async () => {
    const names = ['vote.retry.example.com', 'result.retry.example.com'];
    const ids = [await issue(names), await issue(names)];
    const checkpoints = new Map();
    const revokes = h.calls(REVOKE);
    await expect(
      h.run(
        action(),
        { zone: 'example.com', hostnames: names },
        { checkpoints, crashAfter: `origin-certificate.delete.${ids[0]}` },
      ),
    ).rejects.toThrow(Crash);
    const retried = await h.run(
      action(),
      { zone: 'example.com', hostnames: names },
      { checkpoints },
    );
    expect(retried.outputs).toEqual({
      revoked: [ids[1]],
      outcome: 'deleted',
    });
    expect(h.calls(REVOKE)).toBe(revokes + 2);
  });

  it('a dry run says what it would revoke and revokes nothing', async () => {
    const names = ['vote.dry.example.com', 'result.dry.example.com'];
    const id = await issue(names);
    const dry = await h.run(
      action(),
      { zone: 'example.com', hostnames: names },
      { isDryRun: true },
    );
    expect(dry.outputs).toEqual({ revoked: [id], outcome: 'would-delete' });
    expect(dry.logs.join('\n')).toContain(
      `Dry run: would revoke Origin CA certificate ${id}`,
    );
    expect(certificates().get(id)!.revoked).toBeFalsy();
  });

  it('surfaces a failed revocation with its message and rejects bad input naming the field', async () => {
    const names = ['vote.fail.example.com', 'result.fail.example.com'];
    await issue(names);
    h.env.sandbox.cloudflare.faults.add({
      operationId: REVOKE,
      status: 403,
      times: Infinity,
    });
    await expect(
      h.run(action(), { zone: 'example.com', hostnames: names }),
    ).rejects.toThrow(/Cloudflare rejected the API token \(403/);
    h.env.sandbox.cloudflare.faults.clear();
    await expect(
      h.run(action(), { zone: 'example.com', hostnames: [] }),
    ).rejects.toThrow(/hostnames: /);
    await expect(
      h.run(action(), { zone: 'nope', hostnames: names }),
    ).rejects.toThrow(/zone: a zone name/);
  });
});
