import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { createHarness } from '../lib/__testUtils__/harness';
import { createDigitalOceanKubernetesDeleteAction } from './kubernetesDelete';
import { createDigitalOceanKubernetesEnsureAction } from './kubernetesEnsure';

describe('digitalocean:kubernetes:delete examples', () => {
  const h = createHarness();

  it('run against the sandbox: the cluster the example names is deleted, and a dry run after it has nothing to delete', async () => {
    const action = createDigitalOceanKubernetesDeleteAction(h.options());
    // the cluster the example tears down
    const made = await h.run(
      createDigitalOceanKubernetesEnsureAction(h.options()),
      {
        name: 'voting-prod',
        region: 'nyc1',
        nodePool: { size: 's-2vcpu-4gb', count: 1 },
      },
    );
    for (const { real, dry } of await runExamples(action)) {
      expect(real.outputs).toMatchObject({
        clusterId: made.outputs.clusterId,
        outcome: 'deleted',
      });
      expect(['deleted', 'absent']).toContain(dry.outputs.outcome);
      expect(dry.outputs.outcome).not.toBe('would-delete');
      h.expectNoSecrets(real, dry);
    }
  });
});
