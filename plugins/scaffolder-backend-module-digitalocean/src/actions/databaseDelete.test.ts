import { createHarness, Crash } from '../lib/__testUtils__/harness';
import { createDigitalOceanDatabaseEnsureAction } from './databaseEnsure';
import { createDigitalOceanDatabaseDeleteAction } from './databaseDelete';

describe('digitalocean:database:delete', () => {
  const h = createHarness();
  const action = () => createDigitalOceanDatabaseDeleteAction(h.options());
  const create = async (name: string) =>
    (
      await h.run(createDigitalOceanDatabaseEnsureAction(h.options()), {
        name,
        region: 'nyc1',
      })
    ).outputs.databaseClusterId as string;

  it('deletes the database cluster, and succeeds again when it is gone', async () => {
    const id = await create('dbdel-happy');
    const first = await h.run(action(), { name: 'dbdel-happy' });
    expect(first.outputs).toEqual({
      databaseClusterId: id,
      status: 'deleted',
      outcome: 'deleted',
    });
    expect(h.env.sandbox.digitalocean.databases.has(id)).toBe(false);
    expect((await h.run(action(), { databaseClusterId: id })).outputs).toEqual({
      databaseClusterId: '',
      status: 'absent',
      outcome: 'absent',
    });
    expect(
      (await h.run(action(), { name: 'dbdel-happy' })).outputs.status,
    ).toBe('absent');
    expect(h.calls('databases_destroy_cluster')).toBe(1);
    h.expectNoSecrets(first.logs, first.outputs);
  });

  it('deletes once when the worker dies after the delete and the task is retried', async () => {
    const id = await create('dbdel-crash');
    const checkpoints = new Map();
    const before = h.calls('databases_destroy_cluster');
    await expect(
      h.run(
        action(),
        { databaseClusterId: id },
        { checkpoints, crashAfter: `database.delete.${id}` },
      ),
    ).rejects.toThrow(Crash);
    expect(
      (await h.run(action(), { databaseClusterId: id }, { checkpoints }))
        .outputs.status,
    ).toBe('absent');
    expect(h.calls('databases_destroy_cluster')).toBe(before + 1);
  });

  it('dry run deletes nothing', async () => {
    const id = await create('dbdel-dry');
    const dry = await h.run(
      action(),
      { databaseClusterId: id },
      { isDryRun: true },
    );
    expect(dry.logs.join('\n')).toContain(
      `Dry run: would delete database cluster "${id}" (${id}) with databases defaultdb, voting`,
    );
    expect(dry.outputs).toEqual({
      databaseClusterId: id,
      status: 'deleted',
      outcome: 'would-delete',
    });
    expect(h.env.sandbox.digitalocean.databases.has(id)).toBe(true);
  });

  it('retries 429 (retry-after), 500 and 503; a persistent 5xx and a 422 are clear errors; slow answers are retried', async () => {
    const id = await create('dbdel-faults');
    const { faults } = h.env.sandbox.digitalocean;
    faults.add({
      operationId: 'databases_destroy_cluster',
      status: 500,
      times: Infinity,
    });
    await expect(h.run(action(), { databaseClusterId: id })).rejects.toThrow(
      /failed with 500: Unexpected server-side error/,
    );
    faults.clear();
    faults.add({
      operationId: 'databases_destroy_cluster',
      status: 422,
      message: 'the cluster has read-only replicas',
    });
    await expect(h.run(action(), { databaseClusterId: id })).rejects.toThrow(
      /failed with 422: the cluster has read-only replicas/,
    );
    faults.add({
      operationId: 'databases_destroy_cluster',
      status: 429,
      retryAfter: 5,
    });
    faults.add({ operationId: 'databases_destroy_cluster', status: 503 });
    faults.add({ operationId: 'databases_get_cluster', delayMs: 250 });
    const result = await h.run(
      createDigitalOceanDatabaseDeleteAction(
        h.options({ requestTimeoutMs: 100 }),
      ),
      { databaseClusterId: id },
    );
    expect(result.outputs.status).toBe('deleted');
    expect(h.sleeps).toContain(5000);
    await h.settle();
  });

  it('rejects bad inputs naming the field', async () => {
    await expect(h.run(action(), {})).rejects.toThrow(
      /databaseClusterId: give databaseClusterId or name/,
    );
    await expect(h.run(action(), { name: 'x', extra: 1 })).rejects.toThrow(
      /Unrecognized key\(s\) in object: 'extra'/,
    );
  });
});
