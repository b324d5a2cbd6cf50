/**
 * Every operation of both subsets once, in a plausible order: each emulated answer is checked
 * against its schema, and the run ends with full coverage. The DigitalOcean operations nothing
 * uses (NOT_EMULATED) are called too: they answer 501 in the error envelope the spec declares.
 */
import assert from 'node:assert/strict';
import { NOT_EMULATED } from './digitalocean';
import { ManualClock, startSandbox, type Sandbox } from './index';
import { certificateRequest } from './originCa';

const HOUR = 3_600_000;

describe('a tour of every operation', () => {
  const clock = new ManualClock();
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({
      clock,
      cloudflare: { zones: ['example.com'] },
    });
  });
  afterAll(() => sandbox.stop());

  async function call(
    provider: 'digitalocean' | 'cloudflare',
    method: string,
    path: string,
    body?: unknown,
    expect = 200,
  ): Promise<any> {
    const emulator = sandbox[provider];
    const res = await fetch(`${emulator.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${emulator.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    assert.equal(res.status, expect, `${method} ${path}: ${text}`);
    return text && res.headers.get('content-type') === 'application/json'
      ? JSON.parse(text)
      : text;
  }
  const d = (method: string, path: string, body?: unknown, expect?: number) =>
    call('digitalocean', method, path, body, expect);
  /** an operation the emulator does not serve (see NOT_EMULATED) */
  const notEmulated = async (method: string, path: string, body?: unknown) =>
    assert.equal((await d(method, path, body, 501)).id, 'not_implemented');
  const c = (method: string, path: string, body?: unknown, expect?: number) =>
    call('cloudflare', method, path, body, expect);

  it('DigitalOcean: all 65 operations (39 served, 26 answered 501)', async () => {
    await d('GET', '/account');
    const options = await d('GET', '/kubernetes/options');
    const version = options.options.versions.at(-1).slug;
    await d('GET', '/databases/options');
    await d('GET', '/regions');
    await d('GET', '/sizes?per_page=3');
    await notEmulated('GET', '/1-clicks?type=kubernetes');

    const vpc = (
      await d(
        'POST',
        '/vpcs',
        { name: 'tour-vpc', region: 'fra1', ip_range: '10.20.0.0/20' },
        201,
      )
    ).vpc;
    await notEmulated('GET', `/vpcs/${vpc.id}`);
    await notEmulated('PUT', `/vpcs/${vpc.id}`, {
      name: 'tour-vpc',
      description: 'for the tour',
    });
    await d('GET', '/vpcs?per_page=1');

    const cluster = (
      await d(
        'POST',
        '/kubernetes/clusters',
        {
          name: 'tour',
          region: 'fra1',
          version,
          vpc_uuid: vpc.id,
          ha: true,
          node_pools: [{ name: 'default', size: 's-2vcpu-4gb', count: 1 }],
        },
        201,
      )
    ).kubernetes_cluster;
    clock.advance(HOUR);
    await d('GET', '/kubernetes/clusters');
    await d('GET', `/kubernetes/clusters/${cluster.id}`);
    await notEmulated('PUT', `/kubernetes/clusters/${cluster.id}`, {
      name: 'tour',
      tags: ['voting'],
    });
    await d('GET', `/kubernetes/clusters/${cluster.id}/kubeconfig`);
    await d('GET', `/kubernetes/clusters/${cluster.id}/credentials`);
    const upgrades = (
      await d('GET', `/kubernetes/clusters/${cluster.id}/upgrades`)
    ).available_upgrade_versions;
    await notEmulated('POST', `/kubernetes/clusters/${cluster.id}/upgrade`, {
      version: upgrades[0].slug,
    });
    assert.equal(
      (await d('GET', `/kubernetes/clusters/${cluster.id}`)).kubernetes_cluster
        .status.state,
      'running',
    );
    clock.advance(HOUR);
    const np = (
      await d(
        'POST',
        `/kubernetes/clusters/${cluster.id}/node_pools`,
        {
          name: 'extra',
          size: 's-1vcpu-2gb',
          count: 1,
          labels: { tier: 'web' },
        },
        201,
      )
    ).node_pool;
    await d('GET', `/kubernetes/clusters/${cluster.id}/node_pools`);
    await d('GET', `/kubernetes/clusters/${cluster.id}/node_pools/${np.id}`);
    await d(
      'PUT',
      `/kubernetes/clusters/${cluster.id}/node_pools/${np.id}`,
      { name: 'extra', count: 2 },
      202,
    );
    await d(
      'DELETE',
      `/kubernetes/clusters/${cluster.id}/node_pools/${np.id}`,
      undefined,
      204,
    );
    await notEmulated('POST', '/1-clicks/kubernetes', {
      addon_slugs: ['monitoring'],
      cluster_uuid: cluster.id,
    });
    const lb = sandbox.digitalocean.addLoadBalancer({ clusterId: cluster.id });
    const volume = sandbox.digitalocean.addVolume({ clusterId: cluster.id });
    await d('GET', '/load_balancers');
    await d('GET', `/load_balancers/${lb.id}`);
    await d(
      'GET',
      `/kubernetes/clusters/${cluster.id}/destroy_with_associated_resources`,
    );
    const lint = (
      await d(
        'POST',
        `/kubernetes/clusters/${cluster.id}/clusterlint`,
        { include_groups: ['doks'] },
        202,
      )
    ).run_id;
    assert.equal(
      (await d('GET', `/kubernetes/clusters/${cluster.id}/clusterlint`)).run_id,
      lint,
    );

    const db = (
      await d(
        'POST',
        '/databases',
        {
          name: 'tour-db',
          engine: 'pg',
          version: '16',
          num_nodes: 1,
          size: 'db-s-1vcpu-1gb',
          region: 'fra1',
          private_network_uuid: vpc.id,
          tags: ['voting'],
        },
        201,
      )
    ).database;
    clock.advance(HOUR);
    await d('GET', '/databases?tag_name=voting');
    await d('GET', `/databases/${db.id}`);
    await notEmulated('GET', `/databases/${db.id}/ca`);
    await d(
      'PUT',
      `/databases/${db.id}/firewall`,
      {
        rules: [
          { type: 'k8s', value: cluster.id },
          { type: 'ip_addr', value: '192.0.2.1', description: 'office' },
        ],
      },
      204,
    );
    await d('GET', `/databases/${db.id}/firewall`);
    await notEmulated('PUT', `/databases/${db.id}/maintenance`, {
      day: 'tuesday',
      hour: '14:00',
    });
    await d('GET', `/databases/${db.id}/backups`);
    await d(
      'PUT',
      `/databases/${db.id}/resize`,
      { size: 'db-s-2vcpu-4gb', num_nodes: 2, storage_size_mib: 40960 },
      202,
    );
    assert.equal(
      (await d('GET', `/databases/${db.id}`)).database.status,
      'resizing',
    );
    assert.deepEqual(
      (await d('GET', `/databases/${db.id}/events`)).events.map(
        (e: { event_type: string }) => e.event_type,
      ),
      ['cluster_create', 'cluster_update'],
    );
    await d('POST', `/databases/${db.id}/users`, { name: 'vote' }, 201);
    await notEmulated('GET', `/databases/${db.id}/users`);
    await d('GET', `/databases/${db.id}/users/vote`);
    await d('POST', `/databases/${db.id}/dbs`, { name: 'votes' }, 201);
    await notEmulated('GET', `/databases/${db.id}/dbs`);
    await d('GET', `/databases/${db.id}/dbs/votes`);
    await d(
      'POST',
      `/databases/${db.id}/pools`,
      {
        name: 'votes-pool',
        mode: 'transaction',
        size: 5,
        db: 'votes',
        user: 'vote',
      },
      201,
    );
    await notEmulated('GET', `/databases/${db.id}/pools`);
    await d('GET', `/databases/${db.id}/pools/votes-pool`);
    await notEmulated('DELETE', `/databases/${db.id}/pools/votes-pool`);
    await notEmulated('DELETE', `/databases/${db.id}/dbs/votes`);
    await notEmulated('DELETE', `/databases/${db.id}/users/vote`);
    await d('DELETE', `/databases/${db.id}`, undefined, 204);

    await notEmulated('POST', '/domains', {
      name: 'example.net',
      ip_address: '192.0.2.10',
    });
    await notEmulated('GET', '/domains');
    await notEmulated('GET', '/domains/example.net');
    await notEmulated('POST', '/domains/example.net/records', {
      type: 'A',
      name: 'vote',
      data: '192.0.2.11',
      ttl: 300,
    });
    await notEmulated(
      'GET',
      '/domains/example.net/records?type=A&name=vote.example.net',
    );
    await notEmulated('GET', '/domains/example.net/records/1001');
    await notEmulated('PUT', '/domains/example.net/records/1001', {
      type: 'A',
      name: 'vote',
      data: '192.0.2.12',
    });
    await notEmulated('DELETE', '/domains/example.net/records/1001');
    await notEmulated('DELETE', '/domains/example.net');

    await notEmulated(
      'DELETE',
      `/kubernetes/clusters/${cluster.id}/destroy_with_associated_resources/selective`,
      { load_balancers: [lb.id], volumes: [volume.id] },
    );
    await notEmulated('DELETE', `/kubernetes/clusters/${cluster.id}`);
    await d(
      'DELETE',
      `/kubernetes/clusters/${cluster.id}/destroy_with_associated_resources/dangerous`,
      undefined,
      204,
    );
    assert.equal(sandbox.digitalocean.loadBalancers.size, 0);
    assert.equal(sandbox.digitalocean.volumes.size, 0);
    await notEmulated('DELETE', `/vpcs/${vpc.id}`);

    sandbox.digitalocean.assertNoViolations();
    const report = sandbox.digitalocean.coverage();
    assert.deepEqual(
      report.operations.filter(o => o.calls === 0).map(o => o.operationId),
      [],
    );
    assert.equal(report.exercised, 65);
    const answered501 = report.operations
      .filter(o => o.statuses['501'])
      .map(o => o.operationId);
    assert.deepEqual(
      answered501.sort(),
      [...NOT_EMULATED].sort(),
      'exactly the operations not emulated answer 501',
    );
  });

  it('Cloudflare: all 14 operations', async () => {
    const zone = (await c('GET', '/zones?name=example.com')).result[0];
    await c('GET', `/zones/${zone.id}`);
    const rec = (
      await c('POST', `/zones/${zone.id}/dns_records`, {
        type: 'CNAME',
        name: 'www',
        content: 'example.com',
        ttl: 1,
        proxied: true,
        comment: 'tour',
      })
    ).result;
    await c(
      'GET',
      `/zones/${zone.id}/dns_records?type=CNAME&name.endswith=.example.com&per_page=5`,
    );
    await c('GET', `/zones/${zone.id}/dns_records/${rec.id}`);
    await c('PATCH', `/zones/${zone.id}/dns_records/${rec.id}`, {
      type: 'CNAME',
      name: 'www',
      content: 'example.com',
      ttl: 300,
      proxied: false,
    });
    await c('PUT', `/zones/${zone.id}/dns_records/${rec.id}`, {
      type: 'CNAME',
      name: 'www',
      content: 'example.com',
      ttl: 1,
    });
    await c('DELETE', `/zones/${zone.id}/dns_records/${rec.id}`);
    await c('GET', `/zones/${zone.id}/settings/ssl`);
    await c('PATCH', `/zones/${zone.id}/settings/ssl`, {
      id: 'ssl',
      value: 'flexible',
    });
    const cert = (
      await c('POST', '/certificates', {
        csr: (await certificateRequest(['example.com'])).csr,
        hostnames: ['example.com'],
        request_type: 'origin-ecc',
        requested_validity: 90,
      })
    ).result;
    await c('GET', `/certificates?zone_id=${zone.id}`);
    await c('GET', `/certificates/${cert.id}`);
    await c('DELETE', `/certificates/${cert.id}`);

    sandbox.cloudflare.assertNoViolations();
    const report = sandbox.cloudflare.coverage();
    assert.deepEqual(
      report.operations.filter(o => o.calls === 0).map(o => o.operationId),
      [],
    );
  });
});
