import {
  runAction,
  runExamples,
} from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { useHelmCluster } from '../__testUtils__/helm';
import { createKubernetesHelmReleaseDeleteAction } from './helmReleaseDelete';
import { createKubernetesHelmReleaseEnsureAction } from './helmReleaseEnsure';

jest.setTimeout(180_000);

describe('kubernetes:helm-release:delete examples', () => {
  // the examples name the cluster voting-prod
  const h = useHelmCluster('voting-prod');

  it('run on a local control plane behind the emulated cluster: the releases uninstalled, and a dry run after it finds nothing', async () => {
    const ensure = createKubernetesHelmReleaseEnsureAction({
      config: h.config(),
    });
    for (const preset of ['kube-prometheus-stack', 'traefik'])
      await runAction(ensure, {
        clusterId: h.clusterId,
        preset,
        timeoutSeconds: 120,
      });
    const results = await runExamples(
      createKubernetesHelmReleaseDeleteAction({ config: h.config() }),
      { values: { 'steps.cluster.output.clusterId': h.clusterId } },
    );
    expect(
      results.map(r => [r.real.outputs.releaseName, r.real.outputs.outcome]),
    ).toEqual([
      ['traefik', 'deleted'],
      ['kube-prometheus-stack', 'deleted'],
      ['redis', 'absent'],
    ]);
    for (const { dry } of results) expect(dry.outputs.outcome).toBe('absent');
    expect(
      await h.cluster.admin.get('v1', 'Service', 'traefik', 'traefik'),
    ).toBeUndefined();
  });
});
