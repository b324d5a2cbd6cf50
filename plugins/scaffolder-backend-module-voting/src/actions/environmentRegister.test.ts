import { InputError } from '@backstage/errors';
import {
  Crash,
  runAction,
} from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import {
  environmentInput as input,
  startVotingBackend,
} from '../lib/__testUtils__/votingBackend';

describe('voting:environment:register', () => {
  let env: Awaited<ReturnType<typeof startVotingBackend>>;
  beforeAll(async () => {
    env = await startVotingBackend();
  });
  afterAll(() => env.stop());

  it('records the environment in the voting backend, then finds it up to date', async () => {
    const dry = await runAction(env.register, input, { isDryRun: true });
    expect(dry.outputs).toEqual({
      entityRef: 'component:voting-environments/demo',
      outcome: 'would-create',
      createdAt: '',
      updatedAt: '',
    });
    expect(dry.logs).toEqual([
      'info Dry run: would create the record of environment "demo" (owner group:default/team-a) in the portal',
    ]);

    const first = await runAction(env.register, input);
    expect(first.outputs).toMatchObject({
      entityRef: 'component:voting-environments/demo',
      outcome: 'created',
    });
    expect(first.logs).toEqual([
      'info Created the record of environment "demo" (owner group:default/team-a) in the portal',
    ]);

    const again = await runAction(env.register, input);
    expect(again.outputs).toEqual({ ...first.outputs, outcome: 'unchanged' });
    expect(again.logs[0]).toMatch(/^info Reusing the record .* up to date$/);
    const dryAgain = await runAction(env.register, input, { isDryRun: true });
    expect(dryAgain.outputs).toEqual(again.outputs);
  });

  it('updates the record when an input changed, keeping when it was created', async () => {
    const before = await runAction(env.register, input);
    const dry = await runAction(
      env.register,
      { ...input, grafanaUrl: 'https://grafana.demo.example.com' },
      { isDryRun: true },
    );
    expect(dry.outputs).toMatchObject({
      outcome: 'would-update',
      createdAt: before.outputs.createdAt,
      updatedAt: '',
    });
    const after = await runAction(env.register, {
      ...input,
      grafanaUrl: 'https://grafana.demo.example.com',
    });
    expect(after.outputs.outcome).toBe('updated');
    expect(after.outputs.createdAt).toBe(before.outputs.createdAt);
  });

  it("records the cluster's region: another region updates the record", async () => {
    await runAction(env.register, input);
    const moved = await runAction(env.register, { ...input, region: 'fra1' });
    expect(moved.outputs.outcome).toBe('updated');
    const again = await runAction(env.register, { ...input, region: 'fra1' });
    expect(again.outputs.outcome).toBe('unchanged');
  });

  it('a task retried after its worker died once it had written finds the record done, and says so', async () => {
    const checkpoints = new Map();
    const fresh = { ...input, name: 'retried' };
    await expect(
      runAction(env.register, fresh, {
        checkpoints,
        crashAfter: 'environment.register.retried',
      }),
    ).rejects.toThrow(Crash);
    const retried = await runAction(env.register, fresh, { checkpoints });
    expect(retried.outputs.outcome).toBe('unchanged');
    expect(retried.logs.join('\n')).not.toMatch(/Created/);
    await runAction(env.unregister, { name: 'retried' });
  });

  it('refuses bad input before calling, and input the backend refuses, as InputError', async () => {
    await expect(
      runAction(env.register, { ...input, name: 'Not_A_Name' }),
    ).rejects.toThrow(InputError);
    await expect(
      runAction(env.register, { ...input, owner: 'user:default/jo' }),
    ).rejects.toThrow(/InputError|not a group/);
    const refused = await runAction(env.register, {
      ...input,
      owner: 'user:default/jo',
    }).catch(e => e);
    expect(refused).toBeInstanceOf(InputError);
    expect(refused.message).toMatch(/owner: user:default\/jo is not a group/);
  });

  it('takes the placeholders of the steps before it in a dry run, and records none in a real run', async () => {
    const placeholders = {
      ...input,
      name: 'dry-new',
      clusterId: 'dry-run-kubernetes-dry-new',
      databaseId: 'dry-run-database-dry-new-db',
      vpcId: 'dry-run-vpc-dry-new-vpc',
    };
    const dry = await runAction(env.register, placeholders, {
      isDryRun: true,
    });
    expect(dry.outputs.outcome).toBe('would-create');
    await expect(runAction(env.register, placeholders)).rejects.toThrow(
      "clusterId: dry-run-kubernetes-dry-new; databaseId: dry-run-database-dry-new-db; vpcId: dry-run-vpc-dry-new-vpc: a dry run's placeholder",
    );
    const again = await runAction(env.register, placeholders, {
      isDryRun: true,
    });
    expect(again.outputs.outcome).toBe('would-create');
  });
});
