import assert from 'node:assert/strict';
import { createApiClient } from 'dots-wrapper';
import { parse as parseYaml } from 'yaml';
import { NOT_EMULATED } from './digitalocean';
import { Contract, DigitalOceanEmulator, ManualClock } from './index';

type AxiosLikeError = {
  response?: { status: number; data: any; headers: Record<string, string> };
  code?: string;
  message: string;
};
async function failure(promise: Promise<unknown>): Promise<AxiosLikeError> {
  try {
    await promise;
  } catch (err) {
    return err as AxiosLikeError;
  }
  return assert.fail('expected the call to fail');
}

const MINUTE = 60_000;
const pool = { name: 'workers', size: 's-2vcpu-4gb', count: 2 };

describe('DigitalOcean emulator driven by dots-wrapper', () => {
  const clock = new ManualClock();
  const emulator = new DigitalOceanEmulator({ clock, logViolations: false });
  let api: ReturnType<typeof createApiClient>;

  beforeAll(async () => {
    await emulator.start();
    api = createApiClient({ token: emulator.token, endpoint: emulator.url });
  });
  afterAll(() => emulator.stop());
  afterEach(() => {
    emulator.assertNoViolations();
    emulator.faults.clear();
  });
  // for what dots-wrapper does not cover (options, database events, a clusterlint run by id)
  const get = async (path: string, expect = 200): Promise<any> => {
    const res = await fetch(`${emulator.url}${path}`, {
      headers: { authorization: `Bearer ${emulator.token}` },
    });
    assert.equal(res.status, expect, `GET ${path}`);
    return res.json();
  };

  it('answers the account of the token, and 401 with the error envelope for a wrong token', async () => {
    const { data } = await api.account.getAccount();
    assert.equal(data.account.status, 'active');
    const wrong = createApiClient({
      token: 'dop_v1_wrong',
      endpoint: emulator.url,
    });
    const err = await failure(wrong.kubernetes.listKubernetesClusters({}));
    assert.equal(err.response?.status, 401);
    assert.equal(err.response?.data.id, 'Unauthorized');
    assert.match(err.response?.data.request_id, /^[0-9a-f-]{36}$/);
  });

  it('provisions a cluster on the clock: provisioning (no endpoint) -> running (endpoint, ipv4, nodes)', async () => {
    const { data } = await api.kubernetes.createKubernetesCluster({
      name: 'lifecycle',
      region: 'ams3',
      version: 'latest',
      node_pools: [pool],
    });
    const id = data.kubernetes_cluster.id;
    assert.equal(data.kubernetes_cluster.status.state, 'provisioning');
    assert.equal(data.kubernetes_cluster.endpoint, '');
    assert.equal(data.kubernetes_cluster.ipv4, '');

    clock.advance(5 * MINUTE);
    let got = (
      await api.kubernetes.getKubernetesCluster({ kubernetes_cluster_id: id })
    ).data.kubernetes_cluster;
    assert.equal(got.status.state, 'provisioning');
    const kubeconfigTooEarly = await failure(
      api.kubernetes.getKubernetesClusterKubeconfig({
        kubernetes_cluster_id: id,
      }),
    );
    assert.equal(kubeconfigTooEarly.response?.status, 404);

    clock.advance(1 * MINUTE);
    got = (
      await api.kubernetes.getKubernetesCluster({ kubernetes_cluster_id: id })
    ).data.kubernetes_cluster;
    assert.equal(got.status.state, 'running');
    assert.equal(got.endpoint, `https://${id}.k8s.ondigitalocean.com`);
    assert.match(got.ipv4, /^203\.0\.113\.\d+$/);
    assert.ok(
      got.node_pools[0]!.nodes.every(n => n.status.state === 'running'),
    );
    assert.ok(got.tags.includes(`k8s:${id}`));
  });

  it('reports a cluster put into error or degraded by the test', async () => {
    const { data } = await api.kubernetes.createKubernetesCluster({
      name: 'broken',
      region: 'ams3',
      version: 'latest',
      node_pools: [pool],
    });
    emulator.breakCluster(data.kubernetes_cluster.id, {
      state: 'error',
      message: 'Cluster provisioning failed: quota',
    });
    let got = (
      await api.kubernetes.getKubernetesCluster({
        kubernetes_cluster_id: data.kubernetes_cluster.id,
      })
    ).data.kubernetes_cluster;
    assert.deepEqual(got.status, {
      state: 'error',
      message: 'Cluster provisioning failed: quota',
    } as unknown);
    assert.equal(got.endpoint, '');
    emulator.breakCluster(data.kubernetes_cluster.id, undefined);
    clock.advance(10 * MINUTE);
    got = (
      await api.kubernetes.getKubernetesCluster({
        kubernetes_cluster_id: data.kubernetes_cluster.id,
      })
    ).data.kubernetes_cluster;
    assert.equal(got.status.state, 'running');
  });

  it('serves the kubeconfig of a running cluster by id as YAML holding a secret token', async () => {
    const { data } = await api.kubernetes.createKubernetesCluster({
      name: 'kubeconfig',
      region: 'fra1',
      version: '1.33',
      node_pools: [pool],
    });
    clock.advance(10 * MINUTE);
    const res = await api.kubernetes.getKubernetesClusterKubeconfig({
      kubernetes_cluster_id: data.kubernetes_cluster.id,
    });
    assert.match(
      String((res.headers as Record<string, unknown>)['content-type']),
      /^application\/yaml/,
    );
    const config = parseYaml(res.data as unknown as string);
    assert.equal(config.kind, 'Config');
    assert.equal(
      config.clusters[0].cluster.server,
      `https://${data.kubernetes_cluster.id}.k8s.ondigitalocean.com`,
    );
    const token: string = config.users[0].user.token;
    assert.ok(token.length > 20);
    assert.ok(
      emulator.secrets().includes(token),
      'the kubeconfig token is listed among the secrets',
    );
    const creds = await fetch(
      `${emulator.url}/kubernetes/clusters/${data.kubernetes_cluster.id}/credentials?expiry_seconds=300`,
      { headers: { authorization: `Bearer ${emulator.token}` } },
    );
    assert.equal(((await creds.json()) as { token: string }).token, token);
  });

  it('answers 422 for a duplicate cluster name (names are unique per account)', async () => {
    await api.kubernetes.createKubernetesCluster({
      name: 'taken',
      region: 'nyc1',
      version: 'latest',
      node_pools: [pool],
    });
    const err = await failure(
      api.kubernetes.createKubernetesCluster({
        name: 'taken',
        region: 'sfo3',
        version: 'latest',
        node_pools: [pool],
      }),
    );
    assert.equal(err.response?.status, 422);
    assert.equal(err.response?.data.id, 'unprocessable_entity');
    assert.match(err.response?.data.message, /already exists/);
  });

  it('answers 422 for a node size that the region does not offer, in a new cluster and a new pool', async () => {
    const err = await failure(
      api.kubernetes.createKubernetesCluster({
        name: 'general-in-sydney',
        region: 'syd1',
        version: 'latest',
        node_pools: [{ ...pool, size: 'g-2vcpu-8gb' }],
      }),
    );
    assert.equal(err.response?.status, 422);
    assert.match(
      err.response?.data.message,
      /size g-2vcpu-8gb is not offered in region syd1/,
    );
    const { data } = await api.kubernetes.createKubernetesCluster({
      name: 'sydney',
      region: 'syd1',
      version: 'latest',
      node_pools: [pool],
    });
    const added = await failure(
      api.kubernetes.createNodePool({
        kubernetes_cluster_id: data.kubernetes_cluster.id,
        name: 'general',
        size: 'g-2vcpu-8gb',
        count: 1,
      }),
    );
    assert.equal(added.response?.status, 422);
  });

  it('paginates with links.pages and meta.total until the last page', async () => {
    for (let i = 0; i < 5; i++)
      await api.vpc.createVpc({ name: `page-vpc-${i}`, region: 'lon1' });
    const total =
      (await api.vpc.listVpcs({ per_page: 200 })).data.meta?.total ?? 0;
    assert.ok(total >= 5);
    const names: string[] = [];
    let page = 1;
    let pages = 0;
    for (;;) {
      const { data } = await api.vpc.listVpcs({ page, per_page: 2 });
      pages += 1;
      names.push(...data.vpcs.map(v => v.name));
      assert.equal(data.meta?.total, total);
      const next = (data.links as any)?.pages?.next as string | undefined;
      if (!next) break;
      assert.equal(new URL(next).searchParams.get('page'), String(page + 1));
      page += 1;
    }
    assert.equal(pages, Math.ceil(total / 2));
    assert.equal(new Set(names).size, total);
    const last = (await api.vpc.listVpcs({ page: pages, per_page: 2 })).data
      .links as any;
    assert.ok(last.pages.first && last.pages.prev && !last.pages.next);
    const dup = await failure(
      api.vpc.createVpc({ name: 'page-vpc-0', region: 'lon1' }),
    );
    assert.equal(dup.response?.status, 422);
  });

  it('manages node pools of a cluster', async () => {
    const { data } = await api.kubernetes.createKubernetesCluster({
      name: 'pools',
      region: 'nyc3',
      version: 'latest',
      node_pools: [pool],
    });
    const id = data.kubernetes_cluster.id;
    clock.advance(10 * MINUTE);
    const added = (
      await api.kubernetes.createNodePool({
        kubernetes_cluster_id: id,
        name: 'extra',
        size: 's-1vcpu-2gb',
        count: 1,
      })
    ).data.node_pool;
    assert.equal(added.nodes[0]!.status.state, 'provisioning');
    clock.advance(3 * MINUTE);
    const updated = (
      await api.kubernetes.updateNodePool({
        kubernetes_cluster_id: id,
        node_pool_id: added.id,
        name: 'extra',
        count: 3,
      })
    ).data.node_pool;
    assert.equal(updated.count, 3);
    assert.equal(updated.nodes.length, 3);
    const listed = (
      await api.kubernetes.listNodePools({ kubernetes_cluster_id: id })
    ).data.node_pools;
    assert.deepEqual(listed.map(p => p.name).sort(), ['extra', 'workers']);
    await api.kubernetes.deleteNodePool({
      kubernetes_cluster_id: id,
      node_pool_id: added.id,
    });
    assert.equal(
      (await api.kubernetes.listNodePools({ kubernetes_cluster_id: id })).data
        .node_pools.length,
      1,
    );
  });

  it('holds a database creating while the test says so, then lets it come online at once', async () => {
    emulator.holdDatabase('stuck-db');
    const { data } = await api.database.createDatabaseCluster({
      name: 'stuck-db',
      engine: 'pg',
      version: '17',
      num_nodes: 1,
      region: 'ams3',
      size: 'db-s-1vcpu-1gb',
    });
    const id = data.database.id;
    const status = async () =>
      (await api.database.getDatabaseCluster({ database_cluster_id: id })).data
        .database.status;
    clock.advance(24 * 60 * MINUTE);
    assert.equal(await status(), 'creating');
    emulator.holdDatabase('stuck-db', false);
    assert.equal(await status(), 'online');
    await api.database.destroyDatabaseCluster({ database_cluster_id: id });
  });

  it('creates a database: creating (no connection) -> online with a secret password; users, dbs, pools, firewall', async () => {
    const { data } = await api.database.createDatabaseCluster({
      name: 'votes-db',
      engine: 'pg',
      version: '17',
      num_nodes: 1,
      region: 'ams3',
      size: 'db-s-1vcpu-1gb',
    });
    const id = data.database.id;
    assert.equal(data.database.status, 'creating');
    assert.equal(data.database.connection.password, '');
    const early = await failure(
      api.database.createDatabaseClusterUser({
        database_cluster_id: id,
        user_name: 'vote',
      }),
    );
    assert.equal(early.response?.status, 412);

    clock.advance(5 * MINUTE);
    const db = (
      await api.database.getDatabaseCluster({ database_cluster_id: id })
    ).data.database;
    assert.equal(db.status, 'online');
    assert.equal(db.connection.user, 'doadmin');
    assert.ok(db.connection.password.length >= 16);
    assert.ok(emulator.secrets().includes(db.connection.password));
    assert.match(
      db.connection.uri,
      /^postgresql:\/\/doadmin:.+@votes-db-do-user-sandbox-0\.db\.ondigitalocean\.com:25060\/defaultdb\?sslmode=require$/,
    );

    const user = (
      await api.database.createDatabaseClusterUser({
        database_cluster_id: id,
        user_name: 'vote',
      })
    ).data.user;
    assert.equal(user.role, 'normal');
    assert.ok(emulator.secrets().includes(user.password));
    await api.database.createDatabaseClusterDb({
      database_cluster_id: id,
      db_name: 'votes',
    });
    const created = (
      await api.database.createConnectionPool({
        database_cluster_id: id,
        pool_name: 'votes-pool',
        db_name: 'votes',
        mode: 'transaction',
        size: 10,
        user_name: 'vote',
      })
    ).data.pool;
    assert.equal(created.connection.port, 25061);
    assert.equal(created.connection.password, user.password);

    const cluster = (
      await api.kubernetes.createKubernetesCluster({
        name: 'db-client',
        region: 'ams3',
        version: 'latest',
        node_pools: [pool],
      })
    ).data.kubernetes_cluster;
    await api.database.updateDatabaseClusterFirewallRules({
      database_cluster_id: id,
      rules: [{ type: 'k8s', value: cluster.id }],
    });
    const rules = (
      await api.database.listDatabaseClusterFirewallRules({
        database_cluster_id: id,
      })
    ).data.rules;
    assert.deepEqual(
      rules.map(r => [r.type, r.value]),
      [['k8s', cluster.id]],
    );

    const dup = await failure(
      api.database.createDatabaseCluster({
        name: 'votes-db',
        engine: 'pg',
        num_nodes: 1,
        region: 'ams3',
        size: 'db-s-1vcpu-1gb',
      }),
    );
    assert.equal(dup.response?.status, 422);
  });

  it('resizes a database: 202 without a body, resizing on the clock, then online again; refused while not online', async () => {
    const { data } = await api.database.createDatabaseCluster({
      name: 'resize-db',
      engine: 'pg',
      version: '17',
      num_nodes: 1,
      region: 'fra1',
      size: 'db-s-1vcpu-1gb',
    });
    const id = data.database.id;
    const resize = {
      database_cluster_id: id,
      size: 'db-s-2vcpu-4gb',
      num_nodes: 2,
    };
    assert.equal(
      (await failure(api.database.resizeDatabaseCluster(resize))).response
        ?.status,
      412,
      'still creating',
    );

    clock.advance(5 * MINUTE);
    const res = await api.database.resizeDatabaseCluster(resize);
    assert.equal(res.status, 202);
    assert.equal(
      (res.headers as Record<string, unknown>)['content-length'],
      '0',
    );
    let db = (
      await api.database.getDatabaseCluster({ database_cluster_id: id })
    ).data.database;
    assert.equal(db.status, 'resizing');
    assert.deepEqual([db.size, db.num_nodes], ['db-s-2vcpu-4gb', 2]);
    assert.ok(
      db.connection.password,
      'the cluster keeps serving while it resizes',
    );
    assert.equal(
      (
        await failure(
          api.database.resizeDatabaseCluster({ ...resize, num_nodes: 3 }),
        )
      ).response?.status,
      412,
      'one resize at a time',
    );

    clock.advance(10 * MINUTE - 1);
    assert.equal(
      (await api.database.getDatabaseCluster({ database_cluster_id: id })).data
        .database.status,
      'resizing',
    );
    clock.advance(1);
    db = (await api.database.getDatabaseCluster({ database_cluster_id: id }))
      .data.database;
    assert.equal(db.status, 'online');

    const smallest = await failure(
      api.database.resizeDatabaseCluster({ ...resize, size: 'db-s-1vcpu-1gb' }),
    );
    assert.equal(
      smallest.response?.status,
      422,
      'standby nodes are not offered on the smallest size, as the options say',
    );
    const layouts = (await get('/databases/options')).options.pg.layouts;
    assert.ok(
      !layouts
        .find((l: { num_nodes: number }) => l.num_nodes === 2)
        .sizes.includes('db-s-1vcpu-1gb'),
    );
  });

  it('lists the database events it saw: the create and each resize, in order, with their times', async () => {
    const { data } = await api.database.createDatabaseCluster({
      name: 'events-db',
      engine: 'pg',
      num_nodes: 1,
      region: 'ams3',
      size: 'db-s-1vcpu-2gb',
    });
    const id = data.database.id;
    assert.deepEqual(
      (await get(`/databases/${id}/events`)).events.map(
        (e: { event_type: string }) => e.event_type,
      ),
      ['cluster_create'],
    );
    clock.advance(7 * MINUTE);
    await api.database.resizeDatabaseCluster({
      database_cluster_id: id,
      size: 'db-s-2vcpu-4gb',
      num_nodes: 1,
    });
    clock.advance(20 * MINUTE);
    await api.database.resizeDatabaseCluster({
      database_cluster_id: id,
      size: 'db-s-4vcpu-8gb',
      num_nodes: 3,
    });
    const { events } = await get(`/databases/${id}/events`);
    assert.deepEqual(
      events.map((e: any) => [
        e.event_type,
        e.cluster_name,
        Date.parse(e.create_time) - Date.parse(data.database.created_at),
      ]),
      [
        ['cluster_create', 'events-db', 0],
        ['cluster_update', 'events-db', 7 * MINUTE],
        ['cluster_update', 'events-db', 27 * MINUTE],
      ],
    );
    assert.equal(new Set(events.map((e: { id: string }) => e.id)).size, 3);
    await get('/databases/00000000-0000-4000-8000-000000000000/events', 404);
  });

  it('runs clusterlint on a running cluster; without run_id the latest run answers, with one that run', async () => {
    const { data } = await api.kubernetes.createKubernetesCluster({
      name: 'linted',
      region: 'lon1',
      version: 'latest',
      node_pools: [pool],
    });
    const id = data.kubernetes_cluster.id;
    assert.equal(
      (
        await failure(
          api.kubernetes.runClusterlintOnKubernetesCluster({
            kubernetes_cluster_id: id,
          }),
        )
      ).response?.status,
      422,
      'still provisioning',
    );
    assert.equal(
      (
        await failure(
          api.kubernetes.getClusterlintDiagnostics({
            kubernetes_cluster_id: id,
          }),
        )
      ).response?.status,
      404,
      'no run yet',
    );

    clock.advance(10 * MINUTE);
    const first = (
      await api.kubernetes.runClusterlintOnKubernetesCluster({
        kubernetes_cluster_id: id,
      })
    ).data.run_id;
    assert.deepEqual(
      (
        await api.kubernetes.getClusterlintDiagnostics({
          kubernetes_cluster_id: id,
        })
      ).data.diagnostics,
      [],
    );

    emulator.setLintFindings(id, [
      {
        check_name: 'bare-pods',
        severity: 'warning',
        message: 'Avoid using bare pods in clusters',
        object: { name: 'debug', kind: 'pod', namespace: 'default' },
        groups: ['basic'],
      },
      {
        check_name: 'node-name-pod-selector',
        severity: 'warning',
        message: 'Avoid node name label for node selector',
        object: { name: 'vote', kind: 'pod', namespace: 'voting' },
      },
    ]);
    clock.advance(MINUTE);
    const second = (
      await api.kubernetes.runClusterlintOnKubernetesCluster({
        kubernetes_cluster_id: id,
      })
    ).data.run_id;
    clock.advance(MINUTE);
    const third = (
      await api.kubernetes.runClusterlintOnKubernetesCluster({
        kubernetes_cluster_id: id,
        include_groups: ['basic', 'doks'],
        exclude_checks: ['node-name-pod-selector'],
      })
    ).data.run_id;
    assert.equal(new Set([first, second, third]).size, 3);

    const latest = (
      await api.kubernetes.getClusterlintDiagnostics({
        kubernetes_cluster_id: id,
      })
    ).data;
    assert.equal(latest.run_id, third);
    assert.deepEqual(
      latest.diagnostics.map(d => d.check_name),
      ['bare-pods'],
    );
    assert.deepEqual(latest.diagnostics[0]!.object, {
      name: 'debug',
      kind: 'pod',
      namespace: 'default',
    });
    const bySecond = await get(
      `/kubernetes/clusters/${id}/clusterlint?run_id=${second}`,
    );
    assert.deepEqual(
      bySecond.diagnostics.map((d: { check_name: string }) => d.check_name),
      ['node-name-pod-selector'],
      'a run without a body checks the doks group',
    );
    assert.equal(
      Date.parse(latest.requested_at) - Date.parse(bySecond.requested_at),
      MINUTE,
    );
    assert.deepEqual(
      (await get(`/kubernetes/clusters/${id}/clusterlint?run_id=${first}`))
        .diagnostics,
      [],
      'a run keeps what it found then',
    );
    await get(
      `/kubernetes/clusters/${id}/clusterlint?run_id=00000000-0000-4000-8000-000000000000`,
      404,
    );
  });

  it('lists regions and sizes that agree with the Kubernetes and database options, priced by the hour and month', async () => {
    const regions = (await api.region.listRegions({ per_page: 200 })).data
      .regions;
    const sizes = (await api.size.listSizes({ per_page: 200 })).data.sizes;
    const k8s = (await get('/kubernetes/options')).options;
    const databases = (await get('/databases/options')).options;
    const slugs = regions.map(r => r.slug).sort();
    assert.deepEqual(
      k8s.regions.map((r: { slug: string }) => r.slug).sort(),
      slugs,
    );
    for (const engine of Object.values<{ regions: string[] }>(databases))
      assert.deepEqual([...engine.regions].sort(), slugs);
    assert.deepEqual(
      regions.map(r => r.name),
      regions.map(
        r => k8s.regions.find((o: { slug: string }) => o.slug === r.slug).name,
      ),
    );

    const sizeSlugs = sizes.map(s => s.slug);
    for (const { slug } of k8s.sizes)
      assert.ok(
        sizeSlugs.includes(slug),
        `Kubernetes node size ${slug} is a Droplet size`,
      );
    for (const size of sizes) {
      assert.ok(size.available && size.price_monthly > 0, size.slug);
      // DigitalOcean caps a month at 672 billed hours
      assert.ok(
        Math.abs(size.price_hourly * 672 - size.price_monthly) < 0.01,
        `${size.slug}: ${size.price_hourly}/h vs ${size.price_monthly}/month`,
      );
      for (const region of regions)
        assert.equal(
          region.sizes.includes(size.slug),
          size.regions.includes(region.slug),
          `${size.slug} in ${region.slug}: the region and the size agree`,
        );
    }
    // not every size everywhere, as at DigitalOcean: a form must follow the region
    const general = sizes.find(s => s.slug === 'g-2vcpu-8gb')!;
    assert.ok(general.regions.includes('fra1'));
    assert.ok(!general.regions.includes('syd1'));
    const basic = sizes.find(s => s.slug === 's-2vcpu-4gb')!;
    assert.deepEqual(
      [basic.vcpus, basic.memory, basic.disk, basic.price_monthly],
      [2, 4096, 80, 24],
    );

    const page = (await api.size.listSizes({ page: 1, per_page: 3 })).data;
    assert.equal(page.sizes.length, 3);
    assert.equal(page.meta?.total, sizes.length);
    assert.ok((page.links as any)?.pages?.next);
  });

  it('deletes a cluster with destroy_with_associated_resources/dangerous, taking its load balancers along', async () => {
    const { data } = await api.kubernetes.createKubernetesCluster({
      name: 'doomed',
      region: 'sgp1',
      version: 'latest',
      node_pools: [pool],
    });
    const id = data.kubernetes_cluster.id;
    const lb = emulator.addLoadBalancer({ clusterId: id, name: 'vote-lb' });
    const other = emulator.addLoadBalancer({ name: 'unrelated' });
    const headers = { authorization: `Bearer ${emulator.token}` };

    const associated: any = await (
      await fetch(
        `${emulator.url}/kubernetes/clusters/${id}/destroy_with_associated_resources`,
        { headers },
      )
    ).json();
    assert.deepEqual(associated.load_balancers, [
      { id: lb.id, name: 'vote-lb' },
    ]);
    const got = (
      await api.loadBalancer.getLoadBalancer({ load_balancer_id: lb.id })
    ).data.load_balancer;
    assert.equal(got.ip, lb.ip);

    const res = await fetch(
      `${emulator.url}/kubernetes/clusters/${id}/destroy_with_associated_resources/dangerous`,
      { method: 'DELETE', headers },
    );
    assert.equal(res.status, 204);
    const remaining = (
      await api.loadBalancer.listLoadBalancers({})
    ).data.load_balancers.map(l => l.id);
    assert.ok(!remaining.includes(lb.id));
    assert.ok(remaining.includes(other.id));
    const deleting = (
      await api.kubernetes.getKubernetesCluster({ kubernetes_cluster_id: id })
    ).data.kubernetes_cluster;
    assert.equal(deleting.status.state, 'deleting');
    const sameName = await failure(
      api.kubernetes.createKubernetesCluster({
        name: 'doomed',
        region: 'sgp1',
        version: 'latest',
        node_pools: [pool],
      }),
    );
    assert.equal(
      sameName.response?.status,
      422,
      'the name stays taken while the cluster is deleting',
    );
    clock.advance(MINUTE);
    assert.equal(
      (
        await failure(
          api.kubernetes.getKubernetesCluster({ kubernetes_cluster_id: id }),
        )
      ).response?.status,
      404,
    );
    await api.kubernetes.createKubernetesCluster({
      name: 'doomed',
      region: 'sgp1',
      version: 'latest',
      node_pools: [pool],
    });
  });

  it('answers an operation nothing uses with 501 in the error envelope, changing nothing; the request is still checked and faults still apply', async () => {
    const { data } = await api.kubernetes.createKubernetesCluster({
      name: 'plain-delete',
      region: 'sgp1',
      version: 'latest',
      node_pools: [pool],
    });
    const id = data.kubernetes_cluster.id;
    const lb = emulator.addLoadBalancer({ clusterId: id });
    const err = await failure(
      api.kubernetes.deleteKubernetesCluster({ kubernetes_cluster_id: id }),
    );
    assert.equal(err.response?.status, 501);
    assert.equal(err.response?.data.id, 'not_implemented');
    assert.match(
      err.response?.data.message,
      /does not emulate kubernetes_delete_cluster/,
    );
    assert.match(err.response?.data.request_id, /^[0-9a-f-]{36}$/);
    assert.equal(
      (await api.kubernetes.getKubernetesCluster({ kubernetes_cluster_id: id }))
        .data.kubernetes_cluster.status.state,
      'provisioning',
      'the cluster is not deleting',
    );
    assert.ok(emulator.loadBalancers.has(lb.id));

    emulator.faults.add({
      operationId: 'domains_list',
      status: 429,
      retryAfter: 1,
    });
    assert.equal(
      (await failure(api.domain.listDomains({}))).response?.status,
      429,
    );
    assert.equal(
      (await failure(api.domain.listDomains({}))).response?.status,
      501,
    );

    const bad = await fetch(`${emulator.url}/vpcs/not-a-uuid`, {
      headers: { authorization: `Bearer ${emulator.token}` },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      emulator.violations.map(v => [v.kind, v.operationId]),
      [['request', 'vpcs_get']],
    );
    emulator.clearViolations();
  });

  it('serves every operation of the spec but the ones listed as not emulated', async () => {
    class Served extends DigitalOceanEmulator {
      operationIds(): string[] {
        return Object.keys(this.handlers());
      }
    }
    const all = (await Contract.load('digitalocean')).operations.map(
      o => o.operationId,
    );
    const served = new Served({ coverageDir: false }).operationIds();
    assert.deepEqual(
      served.filter(o => NOT_EMULATED.includes(o)),
      [],
      'not emulated, yet served',
    );
    assert.deepEqual([...served, ...NOT_EMULATED].sort(), [...all].sort());
    assert.equal(served.length, 39);
  });

  describe('fault injection', () => {
    it('429 with retry-after and rate-limit headers, once, then normal service (dots-wrapper does not retry)', async () => {
      emulator.faults.add({
        operationId: 'kubernetes_list_clusters',
        status: 429,
        retryAfter: 2,
      });
      const err = await failure(api.kubernetes.listKubernetesClusters({}));
      assert.equal(err.response?.status, 429);
      assert.equal(err.response?.headers['retry-after'], '2');
      assert.equal(err.response?.headers['ratelimit-remaining'], '0');
      assert.equal(err.response?.data.id, 'too_many_requests');
      await api.kubernetes.listKubernetesClusters({});
    });

    it('500 and 503 by method and path template', async () => {
      emulator.faults.add({
        method: 'GET',
        path: '/v2/kubernetes/clusters/{cluster_id}',
        status: 500,
      });
      emulator.faults.add({
        method: 'GET',
        path: '/v2/vpcs',
        status: 503,
        times: 2,
      });
      const created = (
        await api.kubernetes.createKubernetesCluster({
          name: 'faulty',
          region: 'tor1',
          version: 'latest',
          node_pools: [pool],
        })
      ).data.kubernetes_cluster;
      assert.equal(
        (
          await failure(
            api.kubernetes.getKubernetesCluster({
              kubernetes_cluster_id: created.id,
            }),
          )
        ).response?.status,
        500,
      );
      assert.equal((await failure(api.vpc.listVpcs({}))).response?.status, 503);
      assert.equal((await failure(api.vpc.listVpcs({}))).response?.status, 503);
      await api.vpc.listVpcs({});
    });

    it('422 with the provider message', async () => {
      const fault = emulator.faults.add({
        operationId: 'databases_create_cluster',
        status: 422,
        message: 'You have reached your database cluster limit.',
      });
      const err = await failure(
        api.database.createDatabaseCluster({
          name: 'limited',
          engine: 'pg',
          num_nodes: 1,
          region: 'nyc1',
          size: 'db-s-1vcpu-1gb',
        }),
      );
      assert.equal(err.response?.status, 422);
      assert.equal(
        err.response?.data.message,
        'You have reached your database cluster limit.',
      );
      assert.equal(fault.hits, 1);
      assert.equal(fault.remaining, 0);
    });

    it('slow responses run into the client timeout', async () => {
      const slowApi = createApiClient({
        token: emulator.token,
        endpoint: emulator.url,
        requestTimeoutInMs: 150,
      });
      emulator.faults.add({ operationId: 'account_get', delayMs: 400 });
      const err = await failure(slowApi.account.getAccount());
      assert.equal(err.code, 'ECONNABORTED');
      const started = Date.now();
      emulator.faults.add({ operationId: 'account_get', delayMs: 200 });
      await api.account.getAccount();
      assert.ok(Date.now() - started >= 190);
    });
  });
});
