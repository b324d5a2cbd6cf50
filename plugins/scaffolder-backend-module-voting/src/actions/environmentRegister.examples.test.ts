import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import {
  environmentInput as input,
  startVotingBackend,
} from '../lib/__testUtils__/votingBackend';

describe('voting:environment:register examples', () => {
  let env: Awaited<ReturnType<typeof startVotingBackend>>;
  beforeAll(async () => {
    env = await startVotingBackend();
  });
  afterAll(() => env.stop());

  it('record the environment in the real backend, and a dry run after finds it up to date', async () => {
    const results = await runExamples(env.register, {
      values: {
        'parameters.name': input.name,
        'parameters.owner': input.owner,
        'parameters.domain': input.domain,
        'steps.cluster.output.clusterId': input.clusterId,
        'steps.database.output.databaseClusterId': input.databaseId,
        'steps.vpc.output.vpcId': input.vpcId,
        'steps.deploy.output.voteUrl': input.voteUrl,
        'steps.deploy.output.resultUrl': input.resultUrl,
      },
    });
    expect(results.map(r => r.real.outputs.entityRef)).toEqual([
      'component:voting-environments/demo',
      'component:voting-environments/staging',
    ]);
    for (const { real, dry } of results) {
      expect(real.outputs.outcome).toBe('created');
      expect(dry.outputs).toEqual({ ...real.outputs, outcome: 'unchanged' });
    }
  });
});
