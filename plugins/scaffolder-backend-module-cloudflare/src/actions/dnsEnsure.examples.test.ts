import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { createHarness } from '../lib/__testUtils__/harness';
import { createCloudflareDnsEnsureAction } from './dnsEnsure';

describe('cloudflare:dns:ensure examples', () => {
  const h = createHarness();

  it('run against the sandbox, with the address an earlier step output: the record says it, and a dry run after it changes nothing', async () => {
    const action = createCloudflareDnsEnsureAction(h.options());
    for (const { real, dry } of await runExamples(action, {
      values: { 'steps.traefik.output.loadBalancerAddress': '203.0.113.40' },
    })) {
      expect(h.records(real.outputs.hostname)).toEqual([
        expect.objectContaining({
          id: real.outputs.recordId,
          content: '203.0.113.40',
        }),
      ]);
      expect(dry.outputs).toEqual({ ...real.outputs, outcome: 'unchanged' });
      h.expectNoSecrets(real, dry);
    }
  });
});
