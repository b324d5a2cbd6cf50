import { createHarness, Crash } from '../lib/__testUtils__/harness';
import { createDigitalOceanKubernetesEnsureAction } from './kubernetesEnsure';
import { createDigitalOceanKubernetesDeleteAction } from './kubernetesDelete';

describe('digitalocean:kubernetes:delete', () => {
  const h = createHarness();
  const action = () => createDigitalOceanKubernetesDeleteAction(h.options());
  const create = async (name: string) => {
    const { outputs } = await h.run(
      createDigitalOceanKubernetesEnsureAction(h.options()),
      { name, region: 'nyc1', nodePool: { size: 's-1vcpu-2gb', count: 1 } },
    );
    const lb = h.env.sandbox.digitalocean.addLoadBalancer({
      clusterId: outputs.clusterId,
    });
    const volume = h.env.sandbox.digitalocean.addVolume({
      clusterId: outputs.clusterId,
    });
    return { id: outputs.clusterId as string, lb: lb.id, volume: volume.id };
  };

  it('deletes the cluster with its load balancers and volumes, and succeeds again when it is gone', async () => {
    const c = await create('del-happy');
    const first = await h.run(action(), { name: 'del-happy' });
    expect(first.outputs).toEqual({
      clusterId: c.id,
      status: 'deleting',
      outcome: 'deleted',
      loadBalancers: [c.lb],
      volumes: [c.volume],
    });
    expect(h.env.sandbox.digitalocean.loadBalancers.has(c.lb)).toBe(false);
    expect(h.env.sandbox.digitalocean.volumes.has(c.volume)).toBe(false);
    expect(h.calls('kubernetes_destroy_associatedResourcesDangerous')).toBe(1);
    // still deleting: nothing more to do
    expect((await h.run(action(), { clusterId: c.id })).outputs.status).toBe(
      'deleting',
    );
    h.clock.advance(2 * 60_000);
    expect((await h.run(action(), { clusterId: c.id })).outputs).toMatchObject({
      clusterId: '',
      status: 'absent',
      outcome: 'absent',
    });
    expect((await h.run(action(), { name: 'del-happy' })).outputs.status).toBe(
      'absent',
    );
    expect(h.calls('kubernetes_destroy_associatedResourcesDangerous')).toBe(1);
    h.expectNoSecrets(first.logs, first.outputs);
  });

  it('deletes once when the worker dies after the delete and the task is retried', async () => {
    const c = await create('del-crash');
    const checkpoints = new Map();
    const before = h.calls('kubernetes_destroy_associatedResourcesDangerous');
    await expect(
      h.run(
        action(),
        { clusterId: c.id },
        { checkpoints, crashAfter: `kubernetes.delete.${c.id}` },
      ),
    ).rejects.toThrow(Crash);
    await h.run(action(), { clusterId: c.id }, { checkpoints });
    expect(h.calls('kubernetes_destroy_associatedResourcesDangerous')).toBe(
      before + 1,
    );
  });

  it('dry run lists what it would delete and deletes nothing', async () => {
    const c = await create('del-dry');
    const dry = await h.run(action(), { name: 'del-dry' }, { isDryRun: true });
    expect(dry.logs.join('\n')).toContain(
      `Dry run: would delete cluster "del-dry" (${c.id}) with 1 load balancer(s), 1 volume(s), 0 snapshot(s)`,
    );
    expect(dry.outputs).toMatchObject({
      status: 'deleting',
      outcome: 'would-delete',
    });
    expect(
      h.env.sandbox.digitalocean.clusters.get(c.id)?.deletingSince,
    ).toBeUndefined();
    expect(h.env.sandbox.digitalocean.loadBalancers.has(c.lb)).toBe(true);
  });

  it('retries 429 (retry-after), 500 and 503; a persistent 5xx and a 422 are clear errors', async () => {
    const c = await create('del-faults');
    const { faults } = h.env.sandbox.digitalocean;
    faults.add({
      operationId: 'kubernetes_destroy_associatedResourcesDangerous',
      status: 503,
      times: Infinity,
    });
    await expect(h.run(action(), { clusterId: c.id })).rejects.toThrow(
      /delete cluster ".*" failed with 503: Service temporarily unavailable/,
    );
    faults.clear();
    faults.add({
      operationId: 'kubernetes_destroy_associatedResourcesDangerous',
      status: 422,
      message: 'cluster is being upgraded',
    });
    await expect(h.run(action(), { clusterId: c.id })).rejects.toThrow(
      /failed with 422: cluster is being upgraded/,
    );
    faults.add({
      operationId: 'kubernetes_destroy_associatedResourcesDangerous',
      status: 429,
      retryAfter: 3,
    });
    faults.add({ operationId: 'kubernetes_get_cluster', status: 500 });
    faults.add({
      operationId: 'kubernetes_list_associatedResources',
      status: 503,
    });
    expect((await h.run(action(), { clusterId: c.id })).outputs.status).toBe(
      'deleting',
    );
    expect(h.sleeps).toContain(3000);
  });

  it('a slow answer is retried', async () => {
    const c = await create('del-slow');
    h.env.sandbox.digitalocean.faults.add({
      operationId: 'kubernetes_get_cluster',
      delayMs: 250,
    });
    const result = await h.run(
      createDigitalOceanKubernetesDeleteAction(
        h.options({ requestTimeoutMs: 100 }),
      ),
      { clusterId: c.id },
    );
    expect(result.outputs.status).toBe('deleting');
    expect(result.logs.join('\n')).toMatch(
      /did not answer "find the cluster" within 100 ms; retrying/,
    );
    await h.settle();
  });

  it('rejects bad inputs naming the field', async () => {
    await expect(h.run(action(), {})).rejects.toThrow(
      /clusterId: give clusterId or name/,
    );
    await expect(h.run(action(), { clusterId: 'abc' })).rejects.toThrow(
      /clusterId: Invalid uuid/,
    );
  });
});
