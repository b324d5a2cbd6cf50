import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { createHarness } from '../lib/__testUtils__/harness';
import { createDigitalOceanDatabaseDeleteAction } from './databaseDelete';
import { createDigitalOceanDatabaseEnsureAction } from './databaseEnsure';

describe('digitalocean:database:delete examples', () => {
  const h = createHarness();

  it('run against the sandbox: the database the example names is deleted, and a dry run after it finds nothing', async () => {
    const action = createDigitalOceanDatabaseDeleteAction(h.options());
    // the database cluster the example tears down
    const made = await h.run(
      createDigitalOceanDatabaseEnsureAction(h.options()),
      { name: 'voting-prod-pg', region: 'nyc1' },
    );
    for (const { real, dry } of await runExamples(action)) {
      expect(real.outputs).toEqual({
        databaseClusterId: made.outputs.databaseClusterId,
        status: 'deleted',
        outcome: 'deleted',
      });
      expect(
        h.env.sandbox.digitalocean.databases.has(
          made.outputs.databaseClusterId,
        ),
      ).toBe(false);
      expect(dry.outputs).toEqual({
        databaseClusterId: '',
        status: 'absent',
        outcome: 'absent',
      });
      h.expectNoSecrets(real, dry);
    }
  });
});
