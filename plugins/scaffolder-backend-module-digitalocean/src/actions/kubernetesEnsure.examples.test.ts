import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { createHarness } from '../lib/__testUtils__/harness';
import { createDigitalOceanKubernetesEnsureAction } from './kubernetesEnsure';
import { createDigitalOceanVpcEnsureAction } from './vpcEnsure';

describe('digitalocean:kubernetes:ensure examples', () => {
  const h = createHarness();

  it('run against the sandbox, in the VPC an earlier step made: the cluster runs, and a dry run after it finds it', async () => {
    const vpc = await h.run(createDigitalOceanVpcEnsureAction(h.options()), {
      name: 'examples-vpc',
      region: 'nyc1',
    });
    const action = createDigitalOceanKubernetesEnsureAction(h.options());
    for (const { real, dry } of await runExamples(action, {
      values: { 'steps.vpc.output.vpcId': vpc.outputs.vpcId },
    })) {
      expect(real.outputs).toMatchObject({
        status: 'running',
        vpcId: vpc.outputs.vpcId,
        outcome: 'created',
      });
      expect(
        h.env.sandbox.digitalocean.clusters.get(real.outputs.clusterId),
      ).toBeDefined();
      expect(dry.outputs).toEqual({
        ...real.outputs,
        created: false,
        outcome: 'unchanged',
      });
      h.expectNoSecrets(real, dry);
    }
  });
});
