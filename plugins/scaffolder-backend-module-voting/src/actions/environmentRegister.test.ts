import { InputError } from '@backstage/errors';
import { mockCredentials } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ManualClock, WaitTimeoutError } from '@voting-platform/timing';
import {
  Crash,
  runAction,
} from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import {
  environmentInput as input,
  startVotingBackend,
} from '../lib/__testUtils__/votingBackend';

const asService = { credentials: mockCredentials.service() };
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
    const served = `component:voting-environments/demo as recorded at ${first.outputs.updatedAt}`;
    expect(first.logs).toEqual([
      'info Created the record of environment "demo" (owner group:default/team-a) in the portal',
      `info Waiting until the catalog serves ${served} (at most 2m00s)`,
      expect.stringMatching(
        new RegExp(`^info The catalog serves ${served}: after \\d+ ms$`),
      ),
    ]);
    expect(
      (
        await env.catalog.getEntityByRef(
          'component:voting-environments/demo',
          asService,
        )
      )?.metadata.annotations?.['voting-platform.io/environment-updated-at'],
    ).toBe(first.outputs.updatedAt);

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

  describe('waits until the catalog serves the Component as recorded', () => {
    const ref = (name: string) => `component:voting-environments/${name}`;

    it('through "not there" and an older version of it, looking every 500 ms', async () => {
      const clock = new ManualClock();
      let looks = 0;
      const behind = catalogServiceMock.mock({
        getEntityByRef: async entityRef => {
          looks += 1;
          if (looks === 1) return undefined;
          const entity = await env.catalog.getEntityByRef(entityRef, asService);
          if (looks > 2 || !entity) return entity;
          const annotations = {
            ...entity.metadata.annotations,
            'voting-platform.io/environment-updated-at':
              '2026-01-01T00:00:00.000Z',
          };
          return { ...entity, metadata: { ...entity.metadata, annotations } };
        },
      });
      const run = await runAction(
        env.actions({ catalog: behind, clock }).register,
        { ...input, name: 'behind' },
      );
      expect(run.outputs.outcome).toBe('created');
      expect(looks).toBe(3);
      expect(clock.sleeps).toEqual([500, 500]);
      expect(run.logs.at(-1)).toBe(
        `info The catalog serves ${ref('behind')} as recorded at ${
          run.outputs.updatedAt
        }: after 1000 ms`,
      );
    });

    it('waits out a catalog that answers with an error, and names the error if it never recovers', async () => {
      const clock = new ManualClock();
      let looks = 0;
      const restarting = catalogServiceMock.mock({
        getEntityByRef: async entityRef => {
          looks += 1;
          if (looks === 1) throw new Error('503 Service Unavailable');
          return env.catalog.getEntityByRef(entityRef, asService);
        },
      });
      const run = await runAction(
        env.actions({ catalog: restarting, clock }).register,
        { ...input, name: 'restarting' },
      );
      expect(run.outputs.outcome).toBe('created');
      expect(looks).toBe(2);

      const broken = catalogServiceMock.mock({
        getEntityByRef: async () => {
          throw new Error('503 Service Unavailable');
        },
      });
      const error = await runAction(
        env.actions({ catalog: broken, clock, timeoutMs: 2_000 }).register,
        { ...input, name: 'broken-catalog' },
      ).catch(e => e);
      expect(error).toBeInstanceOf(WaitTimeoutError);
      expect(error.message).toMatch(
        /: it answered with an error \(503 Service Unavailable\)\. The portal's record is up to date, so running the task again is safe/,
      );
    });

    it('fails after its bound with an error that names the entity and says a retry is safe; the retry completes', async () => {
      const clock = new ManualClock();
      const never = catalogServiceMock.mock({
        getEntityByRef: async () => undefined,
      });
      const checkpoints = new Map();
      const fresh = { ...input, name: 'never-served' };
      const error = await runAction(
        env.actions({ catalog: never, clock, timeoutMs: 10_000 }).register,
        fresh,
        { checkpoints },
      ).catch(e => e);
      expect(error).toBeInstanceOf(WaitTimeoutError);
      expect(error.message).toMatch(
        /^Gave up after 0m10s waiting until the catalog serves component:voting-environments\/never-served as recorded at \S+: it serves no component:voting-environments\/never-served\. The portal's record is up to date, so running the task again is safe/,
      );
      expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(10_000);
      expect(error.logs[1]).toMatch(/\(at most 0m10s\)$/);

      const retried = await runAction(env.register, fresh, { checkpoints });
      expect(retried.outputs.outcome).toBe('unchanged');
      expect(retried.logs.at(-1)).toMatch(
        /^info The catalog serves component:voting-environments\/never-served /,
      );
    });

    it('stops waiting when the task is cancelled', async () => {
      const cancel = new AbortController();
      const never = catalogServiceMock.mock({
        getEntityByRef: async () => {
          cancel.abort(new Error('the task was cancelled'));
          return undefined;
        },
      });
      await expect(
        runAction(
          env.actions({ catalog: never }).register,
          { ...input, name: 'cancelled' },
          { signal: cancel.signal },
        ),
      ).rejects.toThrow('the task was cancelled');
    });

    it('not in a dry run', async () => {
      const untouched = catalogServiceMock.mock();
      const dry = await runAction(
        env.actions({ catalog: untouched }).register,
        { ...input, name: 'dry-only' },
        { isDryRun: true },
      );
      expect(dry.outputs.outcome).toBe('would-create');
      expect(untouched.getEntityByRef).not.toHaveBeenCalled();
      expect(untouched.getEntities).not.toHaveBeenCalled();
    });
  });
});
