import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';
import { createApiClient } from 'dots-wrapper';
import { ManualClock, useSandbox } from './index';

describe('useSandbox (the jest glue)', () => {
  const clock = new ManualClock();
  const env = useSandbox(
    { beforeAll, afterAll, afterEach },
    { clock, cloudflare: { zones: ['example.com'] } },
  );

  it('gives a started sandbox to each test', async () => {
    const { digitalocean, cloudflare } = env.sandbox;
    const api = createApiClient({
      token: digitalocean.token,
      endpoint: digitalocean.url,
    });
    const created = (
      await api.kubernetes.createKubernetesCluster({
        name: 'glue',
        region: 'nyc1',
        version: 'latest',
        node_pools: [{ name: 'p', size: 's-1vcpu-2gb', count: 1 }],
      })
    ).data;
    clock.advance(10 * 60_000);
    const got = (
      await api.kubernetes.getKubernetesCluster({
        kubernetes_cluster_id: created.kubernetes_cluster.id,
      })
    ).data;
    assert.equal(got.kubernetes_cluster.status.state, 'running');
    const cf = new Cloudflare({
      apiToken: cloudflare.token,
      baseURL: cloudflare.url,
      maxRetries: 0,
    });
    assert.equal(
      (await cf.zones.list({ name: 'example.com' })).result.length,
      1,
    );
  });

  it('clears faults after each test', async () => {
    env.sandbox.digitalocean.faults.add({
      operationId: 'account_get',
      status: 500,
      times: Infinity,
    });
    assert.equal(env.sandbox.digitalocean.faults.size, 1);
  });

  it('(faults were cleared)', () => {
    assert.equal(env.sandbox.digitalocean.faults.size, 0);
  });
});
