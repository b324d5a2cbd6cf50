import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { createHarness } from '../lib/__testUtils__/harness';
import { createCloudflareZoneSslEnsureAction } from './zoneSslEnsure';

describe('cloudflare:zone:ssl:ensure examples', () => {
  const h = createHarness();

  it('run against the sandbox: the zone has the mode, and a dry run after it changes nothing', async () => {
    const action = createCloudflareZoneSslEnsureAction(h.options());
    for (const { real, dry } of await runExamples(action)) {
      const zone = [...h.env.sandbox.cloudflare.zones.values()].find(
        z => z.id === real.outputs.zoneId,
      )!;
      expect(zone.settings.ssl!.value).toBe(real.outputs.mode);
      expect(dry.outputs).toEqual({
        ...real.outputs,
        previousMode: real.outputs.mode,
        changed: false,
        outcome: 'unchanged',
      });
      h.expectNoSecrets(real, dry);
    }
  });
});
