import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { createHarness } from '../lib/__testUtils__/harness';
import { createDigitalOceanDatabaseEnsureAction } from './databaseEnsure';
import { createDigitalOceanKubernetesEnsureAction } from './kubernetesEnsure';

describe('digitalocean:database:ensure examples', () => {
  const h = createHarness();

  it('run against the sandbox, for the cluster an earlier step made: the database is online, and a dry run after it finds it', async () => {
    const cluster = await h.run(
      createDigitalOceanKubernetesEnsureAction(h.options()),
      {
        name: 'examples-db-cluster',
        region: 'nyc1',
        nodePool: { size: 's-2vcpu-4gb', count: 1 },
      },
    );
    const action = createDigitalOceanDatabaseEnsureAction(h.options());
    for (const { real, dry } of await runExamples(action, {
      values: { 'steps.cluster.output.clusterId': cluster.outputs.clusterId },
    })) {
      expect(real.outputs).toMatchObject({
        status: 'online',
        vpcId: cluster.outputs.vpcId,
        outcome: 'created',
      });
      const db = h.env.sandbox.digitalocean.databases.get(
        real.outputs.databaseClusterId,
      )!;
      expect(db.rules).toEqual([
        expect.objectContaining({
          type: 'k8s',
          value: cluster.outputs.clusterId,
        }),
      ]);
      // the dry run cannot know the pool's port without creating it: 0, as it says
      expect(dry.outputs).toEqual({
        ...real.outputs,
        poolPort: 0,
        created: false,
        outcome: 'unchanged',
      });
      h.expectNoSecrets(real, dry);
    }
  });
});
