import type {
  EnvironmentStatus,
  StatusSection,
  StatusState,
} from '@voting-platform/plugin-voting-common';

const checkedAt = '2026-11-30T22:00:00.000Z';

/** A healthy environment's status as the backend answers it; `change` alters sections. */
export function statusFixture(
  name = 'demo',
  change: Partial<
    Record<
      'cluster' | 'database' | 'dns' | 'workloads' | 'alerts' | 'votes',
      Partial<StatusSection<any>> & { state: StatusState }
    >
  > = {},
): EnvironmentStatus {
  const status: EnvironmentStatus = {
    name,
    owner: 'group:default/team-a',
    links: {
      cluster: 'https://cloud.digitalocean.com/kubernetes/clusters/c1',
      database: 'https://cloud.digitalocean.com/databases/d1',
      dns: 'https://dash.cloudflare.com/?to=/:account/example.com/dns/records',
      grafana: 'https://grafana.demo.example.com',
    },
    cluster: {
      state: 'ok',
      checkedAt,
      detail: {
        state: 'running',
        message: 'Ready',
        region: 'nyc1',
        version: '1.34.1-do.0',
        upgradeAvailable: null,
        ha: true,
        nodePools: [
          { name: 'pool', size: 's-2vcpu-4gb', ready: 2, desired: 2 },
        ],
      },
    },
    database: {
      state: 'ok',
      checkedAt,
      detail: {
        status: 'online',
        version: '16',
        size: 'db-s-1vcpu-1gb',
        nodes: 1,
        latestBackupAt: checkedAt,
      },
    },
    dns: {
      state: 'ok',
      checkedAt,
      detail: {
        zone: 'example.com',
        sslMode: 'strict',
        records: [
          {
            name: 'vote.demo.example.com',
            present: true,
            type: 'A',
            content: '10.0.0.1',
            proxied: true,
            pointsAtLoadBalancer: true,
          },
        ],
        originCertificate: {
          id: '123456789012345678901234567',
          hostnames: ['vote.demo.example.com', 'result.demo.example.com'],
          expiresOn: '2041-11-26T22:00:00.000Z',
          daysLeft: 5475,
        },
      },
    },
    workloads: {
      state: 'ok',
      checkedAt,
      detail: {
        deployments: [
          { namespace: 'voting', name: 'vote', ready: 2, desired: 2 },
        ],
        statefulSets: [
          { namespace: 'voting', name: 'redis', ready: 1, desired: 1 },
        ],
        loadBalancer: '10.0.0.1',
      },
    },
    alerts: {
      state: 'ok',
      checkedAt,
      detail: {
        prometheus: 'monitoring/kube-prometheus-stack-prometheus',
        alerts: [],
      },
    },
    votes: {
      state: 'ok',
      checkedAt,
      detail: {
        poll: 'pets',
        question: 'Cats or dogs?',
        total: 3,
        options: [
          { id: 'a', label: 'Cats', votes: 2, percent: 66.7 },
          { id: 'b', label: 'Dogs', votes: 1, percent: 33.3 },
        ],
      },
    },
  };
  for (const [section, value] of Object.entries(change))
    Object.assign(status[section as keyof typeof change], value);
  return status;
}
