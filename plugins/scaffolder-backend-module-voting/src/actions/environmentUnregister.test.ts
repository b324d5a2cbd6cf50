import { mockCredentials } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { runAction } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { ManualClock, WaitTimeoutError } from '@voting-platform/timing';
import {
  environmentInput,
  startVotingBackend,
} from '../lib/__testUtils__/votingBackend';

const asService = { credentials: mockCredentials.service() };
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
    const gone =
      'the catalog serves none of the entities of environment "demo"';
    expect(first.logs).toEqual([
      'info Deleted the record of environment "demo" (owner group:default/team-a) from the portal',
      `info Waiting until ${gone} (at most 2m00s)`,
      expect.stringMatching(/^info The catalog serves none .*: after \d+ ms$/),
    ]);
    expect(
      await env.catalog.getEntityByRef(
        'component:voting-environments/demo',
        asService,
      ),
    ).toBeUndefined();
    // a task retried after its delete may find the catalog behind: it waits too
    const second = await runAction(env.unregister, { name: 'demo' });
    expect(second.outputs.outcome).toBe('absent');
    expect(second.logs).toEqual([
      'info No record of environment "demo" in the portal: nothing to delete',
      `info Waiting until ${gone} (at most 2m00s)`,
      expect.stringMatching(/^info The catalog serves none .*: after \d+ ms$/),
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

  it('waits until the catalog serves none of the entities, and says which it still serves when it gives up', async () => {
    const name = 'leaving';
    await runAction(env.register, { ...environmentInput, name });
    const { items: before } = await env.catalog.getEntities(
      {
        filter: {
          'metadata.annotations.voting-platform.io/environment': name,
        },
      },
      asService,
    );
    expect(before).toHaveLength(5);
    let looks = 0;
    const behind = catalogServiceMock.mock({
      getEntities: async request =>
        ++looks <= 2
          ? { items: before }
          : env.catalog.getEntities(request, asService),
    });
    const clock = new ManualClock();
    const run = await runAction(
      env.actions({ catalog: behind, clock }).unregister,
      { name },
    );
    expect(run.outputs.outcome).toBe('deleted');
    expect(clock.sleeps).toEqual([500, 500]);
    expect(run.logs.at(-1)).toBe(
      `info The catalog serves none of the entities of environment "${name}": after 1000 ms`,
    );

    const stuck = catalogServiceMock.mock({
      getEntities: async () => ({ items: before }),
    });
    const error = await runAction(
      env.actions({ catalog: stuck, clock, timeoutMs: 5_000 }).unregister,
      { name },
    ).catch(e => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.message).toMatch(
      /^Gave up after 0m05s waiting until the catalog serves none of the entities of environment "leaving": it serves component:voting-environments\/leaving, resource:voting-environments\/leaving-cluster, .*running the task again is safe/,
    );
  });
});
