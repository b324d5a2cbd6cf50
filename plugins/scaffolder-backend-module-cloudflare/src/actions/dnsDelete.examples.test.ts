import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { createHarness } from '../lib/__testUtils__/harness';
import { createCloudflareDnsDeleteAction } from './dnsDelete';
import { createCloudflareDnsEnsureAction } from './dnsEnsure';

describe('cloudflare:dns:delete examples', () => {
  const h = createHarness();

  it('run against the sandbox: the records the example names are deleted, and a dry run after it finds none', async () => {
    // the record the example removes
    await h.run(createCloudflareDnsEnsureAction(h.options()), {
      zone: 'example.com',
      name: 'vote',
      type: 'A',
      content: '203.0.113.41',
    });
    const action = createCloudflareDnsDeleteAction(h.options());
    for (const { real, dry } of await runExamples(action)) {
      expect(real.outputs).toMatchObject({
        hostname: 'vote.example.com',
        outcome: 'deleted',
      });
      expect(h.records('vote.example.com')).toEqual([]);
      expect(dry.outputs).toEqual({
        hostname: 'vote.example.com',
        deleted: [],
        outcome: 'absent',
      });
      h.expectNoSecrets(real, dry);
    }
  });
});
