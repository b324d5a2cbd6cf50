import * as k8s from '@kubernetes/client-node';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createHarness, Crash } from '../lib/__testUtils__/harness';
import { createCloudflareOriginCertificateEnsureAction } from './originCertificateEnsure';

jest.setTimeout(120_000);

const CREATE = 'origin-ca-create-certificate';

describe('cloudflare:origin-certificate:ensure', () => {
  const h = createHarness({ cluster: true });
  const action = () =>
    createCloudflareOriginCertificateEnsureAction(h.options());
  const certificates = () => h.env.sandbox.cloudflare.certificates;
  /** Each test its own namespace and host names, so that no test sees another's certificates. */
  const inputFor = (name: string) => ({
    clusterId: h.clusterId,
    zone: 'example.com',
    hostnames: [`vote.${name}.example.com`, `result.${name}.example.com`],
    namespace: name,
  });
  const tlsSecret = (namespace: string) =>
    h.cluster.admin.get<any>(
      'v1',
      'Secret',
      'cloudflare-origin-tls',
      namespace,
    );
  const decoded = (secret: any, field: string) =>
    Buffer.from(secret.data[field], 'base64').toString('utf8');

  it('keeps the certificate and its key in the TLS Secret, and a later task (a new workspace) issues none and leaves the Secret as it is', async () => {
    const input = inputFor('reuse');
    const first = await h.run(action(), input);
    const cert = certificates().get(first.outputs.certificateId)!;
    expect(cert).toMatchObject({
      hostnames: input.hostnames,
      request_type: 'origin-ecc',
      requested_validity: 5475,
    });
    expect(first.outputs).toMatchObject({
      hostnames: input.hostnames,
      namespace: 'reuse',
      secretName: 'cloudflare-origin-tls',
      revoked: [],
      outcome: 'created',
    });
    const secret = await tlsSecret('reuse');
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(
      secret.metadata.annotations[
        'voting-platform.io/origin-ca-certificate-id'
      ],
    ).toBe(cert.id);
    expect(decoded(secret, 'tls.crt')).toBe(cert.certificate);
    const key = decoded(secret, 'tls.key');
    expect(createPrivateKey(key).asymmetricKeyType).toBe('ec');
    expect(
      new X509Certificate(cert.certificate).checkPrivateKey(
        createPrivateKey(key),
      ),
    ).toBe(true);

    const creates = h.calls(CREATE);
    const second = await h.run(action(), {
      ...input,
      hostnames: [...input.hostnames].reverse(),
    });
    expect(second.outputs).toEqual({
      ...first.outputs,
      hostnames: [...input.hostnames].reverse(),
      outcome: 'unchanged',
    });
    expect(second.logs.join('\n')).toContain(
      `Reusing Origin CA certificate ${cert.id}`,
    );
    expect(h.calls(CREATE)).toBe(creates);
    expect((await tlsSecret('reuse')).metadata.resourceVersion).toBe(
      secret.metadata.resourceVersion,
    );
    // the key is in no log, output or checkpoint
    const keyBody = key.split('\n').slice(1, -2).join('');
    for (const run of [first, second])
      expect(
        JSON.stringify([run.logs, run.outputs, [...run.checkpoints]]),
      ).not.toContain(keyBody.slice(0, 40));
    h.expectNoSecrets(first, second);
  });

  it('a lost Secret (the key gone) gets a new certificate, and the one whose key was lost is revoked', async () => {
    const input = inputFor('lost');
    const first = await h.run(action(), input);
    await h.cluster.admin.api(k8s.CoreV1Api).deleteNamespacedSecret({
      name: 'cloudflare-origin-tls',
      namespace: 'lost',
    });
    const second = await h.run(action(), input);
    expect(second.outputs.certificateId).not.toBe(first.outputs.certificateId);
    expect(second.outputs).toMatchObject({
      revoked: [first.outputs.certificateId],
      outcome: 'created',
    });
    expect(
      certificates().get(first.outputs.certificateId)!.revoked,
    ).toBeTruthy();
    expect(
      certificates().get(second.outputs.certificateId)!.revoked,
    ).toBeFalsy();
    expect(decoded(await tlsSecret('lost'), 'tls.crt')).toBe(
      certificates().get(second.outputs.certificateId)!.certificate,
    );
    expect(second.logs.join('\n')).toContain(
      `Revoked Origin CA certificate ${first.outputs.certificateId}`,
    );
  });

  it('replaces a Secret whose key does not match, or of another key type, and revokes certificates issued before with no key kept', async () => {
    const input = inputFor('replace');
    // a certificate of an earlier task whose key stayed in that task's workspace
    const orphan = await h.run(action(), { ...input, namespace: 'elsewhere' });
    const first = await h.run(action(), input);
    expect(first.outputs.revoked).toEqual([orphan.outputs.certificateId]);
    expect(
      certificates().get(orphan.outputs.certificateId)!.revoked,
    ).toBeTruthy();

    const rsa = await h.run(action(), { ...input, keyType: 'rsa' });
    expect(rsa.outputs).toMatchObject({
      revoked: [first.outputs.certificateId],
      outcome: 'updated',
    });
    expect(
      createPrivateKey(decoded(await tlsSecret('replace'), 'tls.key'))
        .asymmetricKeyType,
    ).toBe('rsa');

    // a key that does not belong to the certificate is as good as none
    const secret = await tlsSecret('replace');
    await h.cluster.admin.apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'cloudflare-origin-tls', namespace: 'replace' },
        type: 'kubernetes.io/tls',
        data: {
          'tls.crt': secret.data['tls.crt'],
          'tls.key': (await tlsSecret('elsewhere')).data['tls.key'],
        },
      },
      { fieldManager: 'backstage-origin-certificate' },
    );
    const mismatched = await h.run(action(), { ...input, keyType: 'rsa' });
    expect(mismatched.outputs).toMatchObject({
      revoked: [rsa.outputs.certificateId],
      outcome: 'updated',
    });
  });

  it('issues once when the worker dies after the certificate is stored and the task is retried', async () => {
    const input = inputFor('retry');
    const checkpoints = new Map();
    const before = h.calls(CREATE);
    const key = `origin-certificate.create.${h.clusterId}.retry.cloudflare-origin-tls`;
    await expect(
      h.run(action(), input, { checkpoints, crashAfter: key }),
    ).rejects.toThrow(Crash);
    // the stored checkpoint holds the id, never the key
    expect(JSON.stringify(checkpoints.get(key))).not.toContain('PRIVATE KEY');
    const retried = await h.run(action(), input, { checkpoints });
    expect(h.calls(CREATE)).toBe(before + 1);
    expect(retried.outputs.certificateId).toBe(
      (checkpoints.get(key) as { id: string }).id,
    );
    // the crashed attempt stored it: the retry says so, it does not claim to have created it
    expect(retried.logs.join('\n')).toMatch(
      /^info Reusing Origin CA certificate \S+ for vote.retry.example.com, result.retry.example.com/m,
    );
    expect(retried.logs.join('\n')).not.toMatch(/Created/);

    // a replayed checkpoint whose Secret is gone since: said plainly, nothing claimed
    await h.cluster.admin.api(k8s.CoreV1Api).deleteNamespacedSecret({
      name: 'cloudflare-origin-tls',
      namespace: 'retry',
    });
    await expect(h.run(action(), input, { checkpoints })).rejects.toThrow(
      /Secret retry\/cloudflare-origin-tls, which an earlier attempt of this task stored, is gone: run the template again/,
    );
  });

  it('a dry run reads Cloudflare and the cluster and changes nothing', async () => {
    const input = inputFor('dry');
    const before = h.calls(CREATE);
    const dry = await h.run(action(), input, { isDryRun: true });
    expect(dry.logs.join('\n')).toContain(
      'Dry run: would create Secret dry/cloudflare-origin-tls with a new Origin CA certificate (ecdsa, 5475 days) for vote.dry.example.com, result.dry.example.com',
    );
    expect(dry.outputs).toMatchObject({
      certificateId: 'dry-run-origin-certificate-vote.dry.example.com',
      expiresOn: '',
      outcome: 'would-create',
    });
    expect(h.calls(CREATE)).toBe(before);
    expect(await h.cluster.admin.get('v1', 'Namespace', 'dry')).toBeUndefined();
  });

  it("a dry run into a cluster an earlier step's dry run would create reads no cluster; a real run refuses the placeholder", async () => {
    const input = { ...inputFor('new'), clusterId: 'dry-run-kubernetes-new' };
    const kubeconfigs = () =>
      h.env.sandbox.digitalocean.requests.filter(
        r => r.operationId === 'kubernetes_get_kubeconfig',
      ).length;
    const before = kubeconfigs();
    const dry = await h.run(action(), input, { isDryRun: true });
    expect(dry.outputs).toMatchObject({
      certificateId: 'dry-run-origin-certificate-vote.new.example.com',
      outcome: 'would-create',
    });
    expect(dry.logs.join('\n')).toContain(
      'Dry run: would create Secret new/cloudflare-origin-tls in the Kubernetes cluster that an earlier step would create (dry-run-kubernetes-new)',
    );
    expect(kubeconfigs()).toBe(before);
    await expect(h.run(action(), input)).rejects.toThrow(
      /clusterId: dry-run-kubernetes-new: a dry run's placeholder/,
    );
  });

  it('surfaces Cloudflare errors with their message and rejects bad inputs naming the field', async () => {
    const input = inputFor('errors');
    const { faults } = h.env.sandbox.cloudflare;
    faults.add({ operationId: CREATE, status: 503, times: Infinity });
    await expect(h.run(action(), input)).rejects.toThrow(
      /create Origin CA certificate for .* failed with 503/,
    );
    faults.clear();
    await expect(
      h.run(action(), { ...input, hostnames: ['vote.example.net'] }),
    ).rejects.toThrow(
      /failed with 400: The hostname\(s\) vote.example.net do not belong to a zone of this account \(1010\)/,
    );
    expect(await tlsSecret('errors')).toBeUndefined();
    await expect(h.run(action(), { ...input, hostnames: [] })).rejects.toThrow(
      /hostnames: /,
    );
    await expect(
      h.run(action(), { ...input, hostnames: ['bad host'] }),
    ).rejects.toThrow(/hostnames.0: a host name/);
    await expect(
      h.run(action(), { ...input, validityDays: 10 }),
    ).rejects.toThrow(/validityDays: /);
    await expect(
      h.run(action(), { ...input, zone: 'example.net' }),
    ).rejects.toThrow(/No Cloudflare zone "example.net"/);
  });
});
