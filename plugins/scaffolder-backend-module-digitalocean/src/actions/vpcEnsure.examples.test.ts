import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { createHarness } from '../lib/__testUtils__/harness';
import { createDigitalOceanVpcEnsureAction } from './vpcEnsure';

describe('digitalocean:vpc:ensure examples', () => {
  const h = createHarness();

  it('run against the sandbox: the VPC exists, and a dry run after it finds it', async () => {
    const action = createDigitalOceanVpcEnsureAction(h.options());
    for (const { real, dry } of await runExamples(action)) {
      expect(
        h.env.sandbox.digitalocean.vpcs.get(real.outputs.vpcId),
      ).toMatchObject({ name: real.outputs.name });
      expect(dry.outputs).toEqual({
        ...real.outputs,
        created: false,
        outcome: 'unchanged',
      });
      h.expectNoSecrets(real, dry);
    }
  });
});
