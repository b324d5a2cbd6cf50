import { CustomErrorBase } from '@backstage/errors';
import { createHarness, Crash } from '../lib/__testUtils__/harness';
import { createDigitalOceanKubernetesEnsureAction } from './kubernetesEnsure';

describe('digitalocean:kubernetes:ensure', () => {
  const h = createHarness();
  const action = () => createDigitalOceanKubernetesEnsureAction(h.options());
  const clusters = (name: string) =>
    [...h.env.sandbox.digitalocean.clusters.values()].filter(
      c => c.name === name,
    );
  const spec = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    region: 'nyc1',
    nodePool: { size: 's-2vcpu-4gb', count: 2 },
    ...extra,
  });

  it("applies its own defaults to what a template leaves out (a REST caller's task has no form defaults)", async () => {
    // as the create template hands them over when the caller gave no node size, count or autoscaler
    const input = {
      name: 'k8s-defaults',
      region: 'nyc1',
      nodePool: {
        size: undefined,
        count: undefined,
        autoScale: { min: undefined, max: undefined },
      },
    };
    const nodePool = (action().schema?.input as any).properties.nodePool;
    expect(nodePool.required ?? []).toEqual([]);
    expect(nodePool.properties.autoScale.required ?? []).toEqual([]);
    await h.run(action(), input);
    expect(clusters('k8s-defaults')[0]!.node_pools[0]).toMatchObject({
      size: 's-2vcpu-4gb',
      count: 3,
      auto_scale: false,
    });
    await h.run(
      action(),
      spec('k8s-scale', { nodePool: { count: 2, autoScale: { max: 4 } } }),
    );
    expect(clusters('k8s-scale')[0]!.node_pools[0]).toMatchObject({
      size: 's-2vcpu-4gb',
      count: 2,
      auto_scale: true,
      min_nodes: 2,
      max_nodes: 4,
    });
  });

  it('creates a cluster with every setting, waits until it runs, then reuses it on a second run', async () => {
    const input = spec('k8s-happy', {
      nodePool: {
        name: 'workers',
        size: 's-2vcpu-4gb',
        count: 2,
        autoScale: { min: 2, max: 4 },
      },
      ha: true,
      autoUpgrade: true,
      surgeUpgrade: true,
      maintenanceWindow: { day: 'sunday', startTime: '03:00' },
      tags: ['voting'],
    });
    const first = await h.run(action(), input);
    const [cluster] = clusters('k8s-happy');
    expect(cluster).toMatchObject({
      version: '1.34.1-do.0',
      ha: true,
      auto_upgrade: true,
      surge_upgrade: true,
      maintenance_policy: { day: 'sunday', start_time: '03:00' },
      tags: ['voting'],
    });
    expect(cluster!.node_pools[0]).toMatchObject({
      name: 'workers',
      size: 's-2vcpu-4gb',
      count: 2,
      auto_scale: true,
      min_nodes: 2,
      max_nodes: 4,
    });
    expect(first.outputs).toMatchObject({
      clusterId: cluster!.id,
      name: 'k8s-happy',
      region: 'nyc1',
      version: '1.34.1-do.0',
      status: 'running',
      created: true,
      outcome: 'created',
      vpcId: cluster!.vpc_uuid,
    });
    expect(first.outputs.endpoint).toMatch(/^https:\/\//);
    const log = first.logs.join('\n');
    expect(log).toMatch(/cluster "k8s-happy": provisioning \(0m00s elapsed\)/);
    expect(log).toMatch(/cluster "k8s-happy": running \(6m00s elapsed\)/);

    const creates = h.calls('kubernetes_create_cluster');
    const second = await h.run(action(), input);
    expect(second.outputs).toEqual({
      ...first.outputs,
      created: false,
      outcome: 'unchanged',
    });
    expect(h.calls('kubernetes_create_cluster')).toBe(creates);
    expect(h.calls('kubernetes_update_cluster')).toBe(0);
    // no credential reaches the log, the outputs or the checkpoints, though the cluster has a kubeconfig token now
    h.expectNoSecrets(
      first.logs,
      first.outputs,
      [...first.checkpoints],
      second.logs,
      second.outputs,
    );
  });

  it('takes a version prefix and a VPC, and fails clearly on a version DigitalOcean does not offer', async () => {
    const vpc = [...h.env.sandbox.digitalocean.vpcs.values()].find(
      v => v.region === 'nyc1',
    )!;
    const result = await h.run(
      action(),
      spec('k8s-version', { version: '1.33', vpcId: vpc.id }),
    );
    expect(result.outputs).toMatchObject({
      version: '1.33.5-do.0',
      vpcId: vpc.id,
    });
    await expect(
      h.run(action(), spec('k8s-version2', { version: '1.20' })),
    ).rejects.toThrow(
      /Kubernetes version "1.20" is not offered by DigitalOcean \(offered: 1.34.1-do.0/,
    );
  });

  it('throws the @backstage/errors class of the dialect: InputError, ConflictError, DigitalOceanError', async () => {
    const calls = h.calls('kubernetes_list_options');
    // a version not offered is the template's mistake: one InputError, no retry of the listing
    await expect(
      h.run(action(), spec('k8s-errors', { version: '1.20' })),
    ).rejects.toMatchObject({ name: 'InputError' });
    expect(h.calls('kubernetes_list_options')).toBe(calls + 1);
    await expect(
      h.run(
        action(),
        spec('k8s-errors', { nodePool: { size: 's-2vcpu-4gb', count: 0 } }),
      ),
    ).rejects.toMatchObject({ name: 'InputError' });
    await expect(
      h.run(
        createDigitalOceanKubernetesEnsureAction(
          h.options({ token: undefined }),
        ),
        spec('k8s-errors'),
      ),
    ).rejects.toMatchObject({ name: 'InputError' });
    await h.run(action(), spec('k8s-errors'));
    await expect(
      h.run(action(), spec('k8s-errors', { region: 'fra1' })),
    ).rejects.toMatchObject({ name: 'ConflictError' });
    h.env.sandbox.digitalocean.faults.add({
      operationId: 'kubernetes_list_clusters',
      status: 422,
      message: 'nope',
    });
    const provider = await h.run(action(), spec('k8s-errors')).catch(e => e);
    expect(provider).toBeInstanceOf(CustomErrorBase);
    expect(provider.name).toBe('DigitalOceanError');
  });

  it('fails clearly when the name is taken by a cluster with other settings', async () => {
    await h.run(action(), spec('k8s-taken'));
    await expect(
      h.run(
        action(),
        spec('k8s-taken', {
          region: 'fra1',
          nodePool: { size: 's-4vcpu-8gb', count: 2 },
        }),
      ),
    ).rejects.toThrow(
      /name "k8s-taken" is taken by cluster .* with region nyc1 \(wanted fra1\), node size s-2vcpu-4gb \(wanted s-4vcpu-8gb\)/,
    );
  });

  it('creates once when the worker dies after the create and the task is retried', async () => {
    const checkpoints = new Map();
    const before = h.calls('kubernetes_create_cluster');
    await expect(
      h.run(action(), spec('k8s-crash'), {
        checkpoints,
        crashAfter: 'kubernetes.create.k8s-crash',
      }),
    ).rejects.toThrow(Crash);
    const retried = await h.run(action(), spec('k8s-crash'), { checkpoints });
    expect(h.calls('kubernetes_create_cluster')).toBe(before + 1);
    expect(clusters('k8s-crash')).toHaveLength(1);
    expect(retried.outputs).toMatchObject({
      clusterId: clusters('k8s-crash')[0]!.id,
      status: 'running',
    });
  });

  it('dry run reports what it would create or reuse and changes nothing', async () => {
    const before = h.calls('kubernetes_create_cluster');
    const dry = await h.run(action(), spec('k8s-dry', { ha: true }), {
      isDryRun: true,
    });
    expect(dry.logs.join('\n')).toContain(
      'Dry run: would create cluster "k8s-dry" in nyc1, Kubernetes 1.34.1-do.0, 2 x s-2vcpu-4gb, HA control plane',
    );
    expect(dry.outputs).toMatchObject({
      clusterId: 'dry-run-kubernetes-k8s-dry',
      status: 'running',
      created: false,
      outcome: 'would-create',
    });
    expect(clusters('k8s-dry')).toHaveLength(0);
    await h.run(action(), spec('k8s-dry2'));
    const reuse = await h.run(action(), spec('k8s-dry2'), { isDryRun: true });
    expect(reuse.outputs).toMatchObject({
      clusterId: clusters('k8s-dry2')[0]!.id,
      status: 'running',
      outcome: 'unchanged',
    });
    expect(h.calls('kubernetes_create_cluster')).toBe(before + 1);
  });

  it("takes, in a dry run only, the placeholder id of the VPC an earlier step's dry run would create", async () => {
    const vpcId = 'dry-run-vpc-k8s-new-vpc';
    const dry = await h.run(action(), spec('k8s-new', { vpcId }), {
      isDryRun: true,
    });
    expect(dry.logs.join('\n')).toContain(
      `Dry run: would create cluster "k8s-new" in nyc1, Kubernetes 1.34.1-do.0, 2 x s-2vcpu-4gb, in the VPC that an earlier step would create (${vpcId})`,
    );
    expect(dry.outputs).toMatchObject({
      clusterId: 'dry-run-kubernetes-k8s-new',
      vpcId,
      outcome: 'would-create',
    });
    const before = h.env.sandbox.digitalocean.requests.length;
    await expect(h.run(action(), spec('k8s-new', { vpcId }))).rejects.toThrow(
      `vpcId: ${vpcId}: a dry run's placeholder, not the id of a resource`,
    );
    expect(h.env.sandbox.digitalocean.requests.length).toBe(before);
    expect(clusters('k8s-new')).toHaveLength(0);
  });

  it('retries a 429 after its retry-after, and 500 / 503 while creating and polling', async () => {
    const { faults } = h.env.sandbox.digitalocean;
    faults.add({
      operationId: 'kubernetes_create_cluster',
      status: 429,
      retryAfter: 9,
    });
    faults.add({ operationId: 'kubernetes_get_cluster', status: 500 });
    faults.add({ operationId: 'kubernetes_get_cluster', status: 503 });
    const result = await h.run(action(), spec('k8s-429'));
    expect(h.sleeps).toContain(9000);
    expect(result.outputs.status).toBe('running');
    expect(clusters('k8s-429')).toHaveLength(1);
  });

  it('fails clearly on a persistent 5xx', async () => {
    h.env.sandbox.digitalocean.faults.add({
      operationId: 'kubernetes_create_cluster',
      status: 503,
      times: Infinity,
    });
    await expect(h.run(action(), spec('k8s-503'))).rejects.toThrow(
      /create cluster "k8s-503" failed with 503: Service temporarily unavailable/,
    );
    expect(clusters('k8s-503')).toHaveLength(0);
  });

  it('a create that times out is retried without making a second cluster', async () => {
    h.env.sandbox.digitalocean.faults.add({
      operationId: 'kubernetes_create_cluster',
      delayMs: 300,
    });
    const slow = createDigitalOceanKubernetesEnsureAction(
      h.options({ requestTimeoutMs: 100 }),
    );
    const result = await h.run(slow, spec('k8s-slow'));
    expect(result.logs.join('\n')).toMatch(
      /did not answer "create cluster "k8s-slow"" within 100 ms; retrying/,
    );
    await h.settle(); // the slow request lands
    expect(clusters('k8s-slow')).toHaveLength(1);
    expect(result.outputs.clusterId).toBe(clusters('k8s-slow')[0]!.id);
  });

  it("surfaces a 422 with the provider's message", async () => {
    h.env.sandbox.digitalocean.faults.add({
      operationId: 'kubernetes_create_cluster',
      status: 422,
      message: 'validation error: size s-2vcpu-4gb is not available in nyc1',
    });
    await expect(h.run(action(), spec('k8s-422'))).rejects.toThrow(
      /failed with 422: validation error: size s-2vcpu-4gb is not available in nyc1/,
    );
  });

  it('fails clearly when the cluster goes into error or degraded, and when it does not run in time', async () => {
    const { digitalocean } = h.env.sandbox;
    const broken = h.run(action(), spec('k8s-error'));
    // break it as soon as it exists
    const timer = setInterval(() => {
      const c = clusters('k8s-error')[0];
      if (c && !c.broken)
        digitalocean.breakCluster(c.id, {
          state: 'error',
          message: 'droplet limit exceeded',
        });
    }, 1);
    await expect(broken).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(
        /cluster "k8s-error" is error: droplet limit exceeded/,
      ),
    });
    clearInterval(timer);
    const existing = clusters('k8s-error')[0]!;
    digitalocean.breakCluster(existing.id, {
      state: 'degraded',
      message: '1 of 2 nodes is not ready',
    });
    await expect(h.run(action(), spec('k8s-error'))).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(
        /cluster "k8s-error" is degraded: 1 of 2 nodes is not ready/,
      ),
    });
    const late = h.run(action(), spec('k8s-late', { timeoutMinutes: 2 }));
    await expect(late).rejects.toThrow(
      /cluster "k8s-late" did not become running within 2m00s \(last state: provisioning\)/,
    );
  });

  it('rejects bad inputs naming the field', async () => {
    await expect(
      h.run(
        action(),
        spec('k8s-bad', { nodePool: { size: 's-1vcpu-2gb', count: 0 } }),
      ),
    ).rejects.toThrow(
      /nodePool.count: Number must be greater than or equal to 1/,
    );
    await expect(
      h.run(
        action(),
        spec('k8s-bad', {
          nodePool: {
            size: 's-1vcpu-2gb',
            count: 2,
            autoScale: { min: 3, max: 2 },
          },
        }),
      ),
    ).rejects.toThrow(/nodePool.autoScale.min: must not exceed max/);
    await expect(h.run(action(), spec('K8s Bad'))).rejects.toThrow(
      /name: lowercase letters/,
    );
    await expect(
      h.run(
        action(),
        spec('k8s-bad', {
          maintenanceWindow: { day: 'someday', startTime: '25:00' },
        }),
      ),
    ).rejects.toThrow(
      /maintenanceWindow.day: .*maintenanceWindow.startTime: HH:MM/,
    );
  });
});
