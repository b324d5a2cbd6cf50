import { runAction } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { digitalOceanCall } from '@voting-platform/plugin-kubernetes-node/testUtils';
import { useHelmCluster } from '../__testUtils__/helm';
import { createKubernetesNamespaceDeleteAction } from './namespaceDelete';

jest.setTimeout(120_000);

describe('kubernetes:namespace:delete against a local control plane', () => {
  const h = useHelmCluster();
  const action = () =>
    createKubernetesNamespaceDeleteAction({ config: h.config() });
  /** The set-up: a namespace with a Secret and a Deployment in it. */
  async function populate(namespace: string) {
    const admin = h.cluster.admin;
    await admin.apply(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      { fieldManager: 'test' },
    );
    await admin.apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'tls', namespace },
        type: 'Opaque',
        data: { key: Buffer.from('material').toString('base64') },
      },
      { fieldManager: 'test' },
    );
    await admin.apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'app', namespace },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'app' } },
          template: {
            metadata: { labels: { app: 'app' } },
            spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
          },
        },
      },
      { fieldManager: 'test' },
    );
  }

  it('deletes the namespace with everything in it and waits until it is gone; a second run has nothing to delete', async () => {
    await populate('voting');
    const first = await runAction(action(), {
      clusterName: 'helm',
      namespace: 'voting',
    });
    expect(first.outputs).toEqual({ namespace: 'voting', outcome: 'deleted' });
    expect(first.logs.join('\n')).toContain(
      'Deleted namespace voting of cluster "helm" with everything in it',
    );
    expect(
      await h.cluster.admin.get('v1', 'Namespace', 'voting'),
    ).toBeUndefined();
    expect(
      await h.cluster.admin.get('v1', 'Secret', 'tls', 'voting'),
    ).toBeUndefined();

    const second = await runAction(action(), {
      clusterId: h.clusterId,
      namespace: 'voting',
    });
    expect(second.outputs.outcome).toBe('absent');
    expect(second.logs.join('\n')).toContain('No namespace voting in cluster');
    expect(JSON.stringify([first, second])).not.toContain(h.cluster.token);
  });

  it('a dry run says what it would delete and deletes nothing', async () => {
    await populate('kept');
    const dry = await runAction(
      action(),
      { clusterId: h.clusterId, namespace: 'kept' },
      { isDryRun: true },
    );
    expect(dry.outputs).toEqual({ namespace: 'kept', outcome: 'would-delete' });
    expect(dry.logs.filter(line => !/^\w+ Dry run: /.test(line))).toEqual([]);
    expect(await h.cluster.admin.get('v1', 'Namespace', 'kept')).toBeDefined();
  });

  it('has nothing to delete when the cluster does not exist, or is still provisioning', async () => {
    const gone = await runAction(action(), {
      clusterName: 'no-such-cluster',
      namespace: 'voting',
    });
    expect(gone.outputs.outcome).toBe('absent');
    expect(gone.logs.join('\n')).toContain(
      'No cluster "no-such-cluster": no namespace voting to delete',
    );
    // a cluster asked for just now: its API does not answer yet (the emulator's clock stands)
    await digitalOceanCall(h.env.sandbox.digitalocean)(
      'POST',
      '/kubernetes/clusters',
      {
        name: 'young',
        region: 'nyc1',
        version: 'latest',
        node_pools: [{ name: 'pool', size: 's-2vcpu-4gb', count: 1 }],
      },
    );
    const young = await runAction(action(), {
      clusterName: 'young',
      namespace: 'voting',
    });
    expect(young.outputs.outcome).toBe('absent');
    expect(young.logs.join('\n')).toContain(
      'The cluster "young" is still provisioning (nothing is installed in it yet): no namespace voting to delete',
    );
  });

  it("refuses the cluster's own namespaces and input without a cluster", async () => {
    await expect(
      runAction(action(), { clusterId: h.clusterId, namespace: 'kube-system' }),
    ).rejects.toThrow(/namespace: must not be one the cluster needs/);
    expect(
      await h.cluster.admin.get('v1', 'Namespace', 'kube-system'),
    ).toBeDefined();
    await expect(runAction(action(), { namespace: 'voting' })).rejects.toThrow(
      /clusterId: give clusterId or clusterName/,
    );
  });
});
