import { runAction } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import {
  environmentInput,
  startVotingBackend,
} from '../lib/__testUtils__/votingBackend';

describe('voting:environment:unregister', () => {
  let env: Awaited<ReturnType<typeof startVotingBackend>>;
  beforeAll(async () => {
    env = await startVotingBackend();
  });
  afterAll(() => env.stop());

  it('removes the record; a second run finds nothing to delete and succeeds', async () => {
    await runAction(env.register, environmentInput);
    const dry = await runAction(
      env.unregister,
      { name: 'demo' },
      { isDryRun: true },
    );
    expect(dry.outputs).toEqual({
      entityRef: 'component:voting-environments/demo',
      outcome: 'would-delete',
    });
    expect(dry.logs).toEqual([
      'info Dry run: would delete the record of environment "demo" (owner group:default/team-a) from the portal',
    ]);

    const first = await runAction(env.unregister, { name: 'demo' });
    expect(first.outputs.outcome).toBe('deleted');
    expect(first.logs).toEqual([
      'info Deleted the record of environment "demo" (owner group:default/team-a) from the portal',
    ]);
    const second = await runAction(env.unregister, { name: 'demo' });
    expect(second.outputs.outcome).toBe('absent');
    expect(second.logs).toEqual([
      'info No record of environment "demo" in the portal: nothing to delete',
    ]);
    const dryAbsent = await runAction(
      env.unregister,
      { name: 'demo' },
      { isDryRun: true },
    );
    expect(dryAbsent.outputs.outcome).toBe('absent');
  });

  it('refuses a name that no template could have made', async () => {
    await expect(runAction(env.unregister, { name: '../x' })).rejects.toThrow(
      /Invalid input: name/,
    );
  });
});
