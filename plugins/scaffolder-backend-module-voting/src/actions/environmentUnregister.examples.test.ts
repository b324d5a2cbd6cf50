import {
  runAction,
  runExamples,
} from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import {
  environmentInput,
  startVotingBackend,
} from '../lib/__testUtils__/votingBackend';

describe('voting:environment:unregister examples', () => {
  let env: Awaited<ReturnType<typeof startVotingBackend>>;
  beforeAll(async () => {
    env = await startVotingBackend();
  });
  afterAll(() => env.stop());

  it('remove a recorded environment, and a dry run after finds it absent', async () => {
    await runAction(env.register, environmentInput);
    const [result] = await runExamples(env.unregister, {
      values: { 'parameters.name': environmentInput.name },
    });
    expect(result!.real.outputs.outcome).toBe('deleted');
    expect(result!.dry.outputs).toEqual({
      ...result!.real.outputs,
      outcome: 'absent',
    });
  });
});
