import { createHarness, Crash } from '../lib/__testUtils__/harness';
import { createDigitalOceanDatabaseEnsureAction } from './databaseEnsure';
import { createDigitalOceanKubernetesEnsureAction } from './kubernetesEnsure';

describe('digitalocean:database:ensure', () => {
  const h = createHarness();
  const action = () => createDigitalOceanDatabaseEnsureAction(h.options());
  const dbs = (name: string) =>
    [...h.env.sandbox.digitalocean.databases.values()].filter(
      d => d.name === name,
    );
  let clusterId: string;
  let clusterVpc: string;

  beforeAll(async () => {
    const { outputs } = await h.run(
      createDigitalOceanKubernetesEnsureAction(h.options()),
      {
        name: 'db-tests',
        region: 'nyc1',
        nodePool: { size: 's-2vcpu-4gb', count: 1 },
      },
    );
    clusterId = outputs.clusterId;
    clusterVpc = outputs.vpcId;
  });

  const spec = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    region: 'nyc1',
    kubernetesClusterId: clusterId,
    ...extra,
  });

  it("creates PostgreSQL in the cluster's VPC with a k8s trusted source, database, user and pool; reuses it all on a second run", async () => {
    const first = await h.run(
      action(),
      spec('pg-happy', {
        pool: { name: 'votes', mode: 'transaction', size: 12 },
      }),
    );
    const [db] = dbs('pg-happy');
    expect(db).toMatchObject({
      engine: 'pg',
      version: '17',
      size: 'db-s-1vcpu-1gb',
      num_nodes: 1,
      private_network_uuid: clusterVpc,
    });
    expect(db!.rules).toEqual([
      expect.objectContaining({ type: 'k8s', value: clusterId }),
    ]);
    expect(db!.dbs).toContain('voting');
    expect(db!.users.map(u => u.name)).toContain('voting');
    expect(db!.pools).toEqual([
      {
        name: 'votes',
        mode: 'transaction',
        size: 12,
        db: 'voting',
        user: 'voting',
      },
    ]);
    expect(first.outputs).toMatchObject({
      databaseClusterId: db!.id,
      status: 'online',
      version: '17',
      vpcId: clusterVpc,
      database: 'voting',
      user: 'voting',
      pool: 'votes',
      port: 25060,
      poolPort: 25061,
      created: true,
      outcome: 'created',
    });
    expect(first.outputs.privateHost).toMatch(/^private-pg-happy/);
    expect(first.logs.join('\n')).toMatch(
      /database cluster "pg-happy": online \(5m00s elapsed\)/,
    );

    const before = [
      'databases_create_cluster',
      'databases_update_firewall_rules',
      'databases_add',
      'databases_add_user',
      'databases_add_connectionPool',
    ].map(op => h.calls(op));
    const second = await h.run(
      action(),
      spec('pg-happy', {
        pool: { name: 'votes', mode: 'transaction', size: 12 },
      }),
    );
    expect(second.outputs).toEqual({
      ...first.outputs,
      created: false,
      outcome: 'unchanged',
    });
    expect(
      [
        'databases_create_cluster',
        'databases_update_firewall_rules',
        'databases_add',
        'databases_add_user',
        'databases_add_connectionPool',
      ].map(op => h.calls(op)),
    ).toEqual(before);
    expect(dbs('pg-happy')[0]!.rules).toHaveLength(1);
    // the passwords of doadmin and voting exist now; none is in a log, an output or a checkpoint
    expect(h.env.sandbox.digitalocean.secrets().length).toBeGreaterThan(2);
    h.expectNoSecrets(
      first.logs,
      first.outputs,
      [...first.checkpoints],
      second.logs,
      second.outputs,
    );
  });

  it('fails clearly when the name is taken by a cluster with other settings, or the VPC is not the cluster’s', async () => {
    await h.run(action(), spec('pg-taken'));
    await expect(
      h.run(
        action(),
        spec('pg-taken', { size: 'db-s-2vcpu-4gb', version: '16' }),
      ),
    ).rejects.toThrow(
      /name "pg-taken" is taken by cluster .* with version 17 \(wanted 16\), size db-s-1vcpu-1gb \(wanted db-s-2vcpu-4gb\)/,
    );
    const other =
      [...h.env.sandbox.digitalocean.vpcs.values()].find(
        v => v.id !== clusterVpc,
      )?.id ?? '00000000-0000-4000-8000-000000000000';
    await expect(
      h.run(action(), spec('pg-vpc', { vpcId: other })),
    ).rejects.toThrow(/is not the VPC of Kubernetes cluster/);
  });

  it('creates once when the worker dies after the create and the task is retried', async () => {
    const checkpoints = new Map();
    const before = h.calls('databases_create_cluster');
    await expect(
      h.run(action(), spec('pg-crash'), {
        checkpoints,
        crashAfter: 'database.create.pg-crash',
      }),
    ).rejects.toThrow(Crash);
    const users = h.calls('databases_add_user');
    const pools = h.calls('databases_add_connectionPool');
    const retried = await h.run(action(), spec('pg-crash'), { checkpoints });
    expect(h.calls('databases_create_cluster')).toBe(before + 1);
    expect(dbs('pg-crash')).toHaveLength(1);
    expect(retried.outputs.databaseClusterId).toBe(dbs('pg-crash')[0]!.id);
    // a crash after the user was recorded: the retry neither creates it nor the pool again
    const again = new Map(
      [...checkpoints].filter(([k]) => !k.startsWith('database-pool.')),
    );
    expect(h.calls('databases_add_user')).toBe(users + 1);
    await h.run(action(), spec('pg-crash'), { checkpoints: again });
    expect(h.calls('databases_add_user')).toBe(users + 1);
    expect(h.calls('databases_add_connectionPool')).toBe(pools + 1);
  });

  it('logs "Reusing", not "Created", for what an earlier attempt of the task created (its checkpoints replay created: true)', async () => {
    // the worker died after the last checkpoint, before the step was recorded as done
    const checkpoints = new Map();
    const first = await h.run(action(), spec('pg-replay'), { checkpoints });
    expect(first.logs.join('\n')).toContain('Created user "voting"');
    const retried = await h.run(action(), spec('pg-replay'), { checkpoints });
    const log = retried.logs.join('\n');
    for (const part of [
      'database cluster "pg-replay"',
      `firewall rule for Kubernetes cluster ${clusterId}`,
      'database "voting"',
      'user "voting"',
      'connection pool "voting_pool"',
    ]) {
      expect(log).toContain(`Reusing ${part}`);
      expect(log).not.toContain(`Created ${part}`);
    }
    expect(dbs('pg-replay')).toHaveLength(1);
  });

  it('fails naming the database when it never comes online; a retry after the fault clears makes exactly one and says "Reusing"', async () => {
    const { digitalocean } = h.env.sandbox;
    digitalocean.holdDatabase('pg-stuck');
    const checkpoints = new Map();
    const failed = await h
      .run(action(), spec('pg-stuck', { timeoutMinutes: 20 }), {
        checkpoints,
      })
      .then(
        () => undefined,
        (error: Error & { logs: string[] }) => error,
      );
    expect(failed?.message).toBe(
      'database cluster "pg-stuck" did not become online within 20m00s (last state: creating)',
    );
    expect(failed?.logs.join('\n')).toMatch(
      /Created database cluster "pg-stuck" \([0-9a-f-]+\); waiting until it is online/,
    );
    digitalocean.holdDatabase('pg-stuck', false);
    const retried = await h.run(action(), spec('pg-stuck'), { checkpoints });
    const log = retried.logs.join('\n');
    expect(dbs('pg-stuck')).toHaveLength(1);
    expect(log).toContain(
      `Reusing database cluster "pg-stuck" (${dbs('pg-stuck')[0]!.id})`,
    );
    expect(log).not.toMatch(/Created database cluster/);
    expect(retried.outputs).toMatchObject({
      status: 'online',
      created: false,
      outcome: 'unchanged',
    });
  });

  it('dry run reports what it would create and changes nothing', async () => {
    const before = h.calls('databases_create_cluster');
    const dry = await h.run(action(), spec('pg-dry'), { isDryRun: true });
    expect(dry.logs.join('\n')).toContain(
      `Dry run: would create PostgreSQL 17 cluster "pg-dry" in nyc1 (1 x db-s-1vcpu-1gb, VPC ${clusterVpc}) with database "voting", user "voting", pool "voting_pool", open to Kubernetes cluster ${clusterId}`,
    );
    expect(dry.outputs).toMatchObject({
      databaseClusterId: 'dry-run-database-pg-dry',
      status: 'online',
      created: false,
      outcome: 'would-create',
    });
    expect(dbs('pg-dry')).toHaveLength(0);
    expect(h.calls('databases_create_cluster')).toBe(before);
  });

  it("takes, in a dry run only, the placeholder id of the cluster an earlier step's dry run would create", async () => {
    const kubernetesClusterId = 'dry-run-kubernetes-pg-new';
    const before = h.env.sandbox.digitalocean.requests.length;
    const dry = await h.run(action(), spec('pg-new', { kubernetesClusterId }), {
      isDryRun: true,
    });
    expect(dry.logs.join('\n')).toContain(
      `Dry run: would create PostgreSQL 17 cluster "pg-new" in nyc1 (1 x db-s-1vcpu-1gb) with database "voting", user "voting", pool "voting_pool", open to the Kubernetes cluster that an earlier step would create (${kubernetesClusterId})`,
    );
    expect(dry.outputs).toMatchObject({
      databaseClusterId: 'dry-run-database-pg-new',
      outcome: 'would-create',
    });
    const requests = h.env.sandbox.digitalocean.requests.slice(before);
    expect(requests.filter(r => r.method !== 'GET')).toEqual([]);
    expect(
      requests.filter(r => r.operationId === 'kubernetes_get_cluster'),
    ).toEqual([]);
    await expect(
      h.run(action(), spec('pg-new', { kubernetesClusterId })),
    ).rejects.toThrow(
      /kubernetesClusterId: dry-run-kubernetes-pg-new: a dry run's placeholder/,
    );
    expect(dbs('pg-new')).toHaveLength(0);
  });

  it('retries a 429 after its retry-after and 500 / 503, fails clearly on a persistent 5xx', async () => {
    const { faults } = h.env.sandbox.digitalocean;
    faults.add({
      operationId: 'databases_create_cluster',
      status: 429,
      retryAfter: 4,
    });
    faults.add({ operationId: 'databases_add_user', status: 500 });
    faults.add({ operationId: 'databases_add_connectionPool', status: 503 });
    const result = await h.run(action(), spec('pg-429'));
    expect(h.sleeps).toContain(4000);
    expect(result.outputs.status).toBe('online');
    expect(dbs('pg-429')[0]!.pools).toHaveLength(1);
    faults.add({ operationId: 'databases_add', status: 503, times: Infinity });
    await expect(h.run(action(), spec('pg-503'))).rejects.toThrow(
      /create database "voting" failed with 503: Service temporarily unavailable/,
    );
  });

  it('a slow answer is retried; one that never comes is a clear error', async () => {
    const slow = createDigitalOceanDatabaseEnsureAction(
      h.options({ requestTimeoutMs: 100 }),
    );
    h.env.sandbox.digitalocean.faults.add({
      operationId: 'databases_get_cluster',
      delayMs: 250,
    });
    expect((await h.run(slow, spec('pg-slow'))).outputs.status).toBe('online');
    h.env.sandbox.digitalocean.faults.add({
      operationId: 'databases_list_options',
      delayMs: 200,
      times: Infinity,
    });
    await expect(h.run(slow, spec('pg-slow'))).rejects.toThrow(
      /DigitalOcean did not answer "list database options" within 100 ms/,
    );
    await h.settle();
  });

  it("surfaces a 422 with the provider's message", async () => {
    h.env.sandbox.digitalocean.faults.add({
      operationId: 'databases_create_cluster',
      status: 422,
      message: 'You have reached the database cluster limit of your account',
    });
    await expect(h.run(action(), spec('pg-422'))).rejects.toThrow(
      /failed with 422: You have reached the database cluster limit of your account/,
    );
  });

  it('rejects bad inputs naming the field', async () => {
    await expect(
      h.run(action(), spec('pg-bad', { numNodes: 5 })),
    ).rejects.toThrow(/numNodes: Number must be less than or equal to 3/);
    await expect(
      h.run(action(), spec('pg-bad', { pool: { mode: 'sometimes' } })),
    ).rejects.toThrow(/pool.mode: Invalid enum value/);
    await expect(
      h.run(action(), spec('pg-bad', { user: 'Robert; DROP' })),
    ).rejects.toThrow(/user: a PostgreSQL identifier/);
    await expect(
      h.run(action(), spec('pg-bad', { version: '17.2' })),
    ).rejects.toThrow(/version: a major version/);
  });
});
