/**
 * The package as the scaffolder modules will use it: from jest (Backstage's config, CommonJS).
 * Run with `yarn workspace @voting-platform/cloud-sandbox test:jest` (the unit step runs the package's own tests under `jest.config.mjs`).
 */
import Cloudflare from 'cloudflare';
import { createApiClient } from 'dots-wrapper';
import { ManualClock, useSandbox } from '../index';

describe('cloud-sandbox under jest', () => {
  const clock = new ManualClock();
  const env = useSandbox(
    { beforeAll, afterAll, afterEach },
    { clock, coverageDir: false, cloudflare: { zones: ['example.com'] } },
  );

  it('provisions a cluster and a DNS record with the real SDKs', async () => {
    const { digitalocean, cloudflare } = env.sandbox;
    const api = createApiClient({
      token: digitalocean.token,
      endpoint: digitalocean.url,
    });
    const { data } = await api.kubernetes.createKubernetesCluster({
      name: 'jest',
      region: 'nyc1',
      version: 'latest',
      node_pools: [{ name: 'p', size: 's-1vcpu-2gb', count: 1 }],
    });
    expect(data.kubernetes_cluster.status.state).toBe('provisioning');
    clock.advance(10 * 60_000);
    const kubeconfig = await api.kubernetes.getKubernetesClusterKubeconfig({
      kubernetes_cluster_id: data.kubernetes_cluster.id,
    });
    expect(String(kubeconfig.data)).toContain('token:');

    const cf = new Cloudflare({
      apiToken: cloudflare.token,
      baseURL: cloudflare.url,
      maxRetries: 1,
    });
    cloudflare.faults.add({
      operationId: 'zones-get',
      status: 429,
      retryAfter: 0,
    });
    const zone = (await cf.zones.list({ name: 'example.com' })).result[0]!;
    const record = await cf.dns.records.create({
      zone_id: zone.id,
      type: 'A',
      name: 'vote',
      content: '203.0.113.7',
      ttl: 1,
    });
    expect(record.name).toBe('vote.example.com');
  });
});
