import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { useHelmCluster } from '../__testUtils__/helm';
import { createKubernetesNamespaceDeleteAction } from './namespaceDelete';

jest.setTimeout(120_000);

describe('kubernetes:namespace:delete examples', () => {
  // the examples name the cluster voting-prod
  const h = useHelmCluster('voting-prod');

  it('run on a local control plane behind the emulated cluster: the namespace is gone, and a dry run after it finds nothing', async () => {
    await h.cluster.admin.apply(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'voting' } },
      { fieldManager: 'test' },
    );
    const results = await runExamples(
      createKubernetesNamespaceDeleteAction({ config: h.config() }),
    );
    expect(results.map(r => r.real.outputs)).toEqual([
      { namespace: 'voting', outcome: 'deleted' },
    ]);
    expect(results[0]!.dry.outputs.outcome).toBe('absent');
    expect(
      await h.cluster.admin.get('v1', 'Namespace', 'voting'),
    ).toBeUndefined();
  });
});
