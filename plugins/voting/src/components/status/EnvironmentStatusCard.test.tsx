import type { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import type { EnvironmentStatus } from '@voting-platform/plugin-voting-common';
import { votingStatusApiRef, type VotingStatusApi } from '../../statusApi';
import { SANDBOX_NOTE } from '../SandboxNote';
import { signalsFake } from '../__testUtils__/signalsFake';
import { EnvironmentStatusCard } from './EnvironmentStatusCard';
import { statusFixture } from './fixtures';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'demo',
    namespace: 'voting-environments',
    annotations: { 'voting-platform.io/environment': 'demo' },
  },
  spec: { type: 'website', lifecycle: 'production', owner: 'team-a' },
};

function api(answer: () => Promise<EnvironmentStatus>, leaseSeconds = 60) {
  const asked: string[] = [];
  const watched: string[] = [];
  const fake: VotingStatusApi = {
    watch: async name => {
      watched.push(name);
      return { leaseSeconds };
    },
    getStatus: async name => {
      asked.push(name);
      return answer();
    },
    getStatuses: async () => {
      throw new Error('not used');
    },
    getSections: async (name, sections) => {
      asked.push(`${name}: ${sections.join(',')}`);
      const whole = await answer();
      return {
        name: whole.name,
        owner: whole.owner,
        ...Object.fromEntries(sections.map(s => [s, whole[s]])),
      };
    },
  };
  return { asked, watched, fake };
}

async function renderCard(
  answer: () => Promise<EnvironmentStatus>,
  variant?: 'content',
  subject: Entity = entity,
  refreshIntervalMs = 0,
  signals = signalsFake(),
  leaseSeconds = 60,
) {
  const a = api(answer, leaseSeconds);
  const rendered = await renderInTestApp(
    <TestApiProvider
      apis={[
        [votingStatusApiRef, a.fake],
        [signalApiRef, signals.api],
      ]}
    >
      <EntityProvider entity={subject}>
        <EnvironmentStatusCard
          variant={variant}
          refreshIntervalMs={refreshIntervalMs}
        />
      </EntityProvider>
    </TestApiProvider>,
  );
  return { ...a, signals, unmount: rendered.unmount };
}

const section = (name: string) => screen.findByTestId(`section-${name}`);

describe('EnvironmentStatusCard', () => {
  it('shows every section of a healthy environment as OK, with details, times and console links', async () => {
    const { asked } = await renderCard(async () => statusFixture());
    const cluster = await section('cluster');
    expect(within(cluster).getByText('OK')).toBeInTheDocument();
    expect(
      within(cluster).getByText(
        /running \(Ready\) · Kubernetes 1\.34\.1-do\.0/,
      ),
    ).toBeInTheDocument();
    expect(
      within(cluster).getByText(/pool 2\/2 nodes ready/),
    ).toBeInTheDocument();
    expect(
      within(await section('database')).getByText(/PostgreSQL 16/),
    ).toBeInTheDocument();
    expect(
      within(await section('dns')).getByText(/SSL strict/),
    ).toBeInTheDocument();
    expect(
      within(await section('workloads')).getByText(
        /vote 2\/2, redis 1\/1 · load balancer 10\.0\.0\.1/,
      ),
    ).toBeInTheDocument();
    expect(
      within(await section('dns')).getByText(
        /origin certificate expires on .* \(in 5475 days\)/,
      ),
    ).toBeInTheDocument();
    expect(
      within(await section('alerts')).getByText(
        'no firing alert (Prometheus monitoring/kube-prometheus-stack-prometheus)',
      ),
    ).toBeInTheDocument();
    expect(within(await section('alerts')).getByText('OK')).toBeInTheDocument();
    expect(screen.getAllByText(/^checked /)).toHaveLength(5);
    // the overview card leaves the votes to the Live votes card
    expect(screen.queryByTestId('section-votes')).not.toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /Cluster in DigitalOcean/ }),
    ).toHaveAttribute(
      'href',
      'https://cloud.digitalocean.com/kubernetes/clusters/c1',
    );
    expect(
      screen.getByRole('link', { name: /DNS in Cloudflare/ }),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Grafana/ })).toBeInTheDocument();
    expect(asked).toEqual(['demo']);
  });

  it('shows a warning, an error, a pending and a rate-limited section with their reasons', async () => {
    await renderCard(async () =>
      statusFixture('demo', {
        cluster: {
          state: 'warning',
          detail: {
            ...statusFixture().cluster.detail!,
            state: 'degraded',
            message: 'a node is down',
          },
        },
        database: {
          state: 'pending',
          detail: {
            ...statusFixture().database.detail!,
            status: 'creating',
            latestBackupAt: null,
          },
        },
        dns: {
          state: 'rate-limited',
          detail: null,
          error: 'Cloudflare is rate-limiting the portal (429)',
        },
        workloads: {
          state: 'error',
          detail: null,
          error: 'Kubernetes API: no answer within 10000 ms',
        },
      }),
    );
    const cluster = await section('cluster');
    expect(within(cluster).getByText('Warning')).toBeInTheDocument();
    expect(
      within(cluster).getByText(/degraded \(a node is down\)/),
    ).toBeInTheDocument();
    const database = await section('database');
    expect(within(database).getByText('Pending')).toBeInTheDocument();
    expect(
      within(database).getByText(/creating .* no backup yet/),
    ).toBeInTheDocument();
    const dns = await section('dns');
    expect(within(dns).getByText('Rate-limited')).toBeInTheDocument();
    expect(
      within(dns).getByText(
        /rate-limiting the portal \(429\)\. This says nothing about the environment itself/,
      ),
    ).toBeInTheDocument();
    const workloads = await section('workloads');
    expect(within(workloads).getByText('Error')).toBeInTheDocument();
    expect(
      within(workloads).getByText(/no answer within 10000 ms/),
    ).toBeInTheDocument();
  });

  it('shows firing alerts, worst first, with their severity, namespace and summary', async () => {
    const alert = (name: string, severity: string | null) => ({
      name,
      severity,
      namespace: 'voting',
      summary: `${name} is firing`,
      activeAt: '2026-11-30T21:00:00Z',
    });
    await renderCard(async () =>
      statusFixture('demo', {
        alerts: {
          state: 'error',
          detail: {
            prometheus: 'monitoring/kps-prometheus',
            alerts: [
              alert('KubePodCrashLooping', 'critical'),
              alert('NoSeverity', null),
            ],
          },
        },
      }),
    );
    const alerts = await section('alerts');
    expect(within(alerts).getByText('Error')).toBeInTheDocument();
    expect(
      within(alerts).getByText(
        'KubePodCrashLooping (critical, voting): KubePodCrashLooping is firing · NoSeverity (no severity, voting): NoSeverity is firing',
      ),
    ).toBeInTheDocument();
  });

  it('shows a warning alert as a warning', async () => {
    await renderCard(async () =>
      statusFixture('demo', {
        alerts: {
          state: 'warning',
          detail: {
            prometheus: 'monitoring/kps-prometheus',
            alerts: [
              {
                name: 'KubeDeploymentReplicasMismatch',
                severity: 'warning',
                namespace: null,
                summary: null,
                activeAt: null,
              },
            ],
          },
        },
      }),
    );
    const alerts = await section('alerts');
    expect(within(alerts).getByText('Warning')).toBeInTheDocument();
    expect(
      within(alerts).getByText('KubeDeploymentReplicasMismatch (warning)'),
    ).toBeInTheDocument();
  });

  it('explains a Prometheus that cannot be reached', async () => {
    const error =
      "Prometheus (monitoring/kps-prometheus) could not be reached through the Kubernetes API server's service proxy: 503 error trying to reach service";
    await renderCard(async () =>
      statusFixture('demo', {
        alerts: { state: 'error', detail: null, error },
      }),
    );
    const alerts = await section('alerts');
    expect(within(alerts).getByText('Error')).toBeInTheDocument();
    expect(within(alerts).getByText(error)).toBeInTheDocument();
  });

  it('warns of an origin certificate close to its expiry, and says when it expired or is missing', async () => {
    const dns = statusFixture().dns.detail!;
    const withCertificate = (
      daysLeft: number | null,
      state: 'warning' | 'error',
    ) =>
      statusFixture('demo', {
        dns: {
          state,
          detail: {
            ...dns,
            originCertificate:
              daysLeft === null
                ? null
                : {
                    ...dns.originCertificate!,
                    expiresOn: '2026-12-12T22:00:00.000Z',
                    daysLeft,
                  },
          },
        },
      });
    await renderCard(async () => withCertificate(12, 'warning'));
    let dnsSection = await section('dns');
    expect(within(dnsSection).getByText('Warning')).toBeInTheDocument();
    expect(
      within(dnsSection).getByText(
        /origin certificate expires on .* \(in 12 days\)/,
      ),
    ).toBeInTheDocument();
    cleanup();
    await renderCard(async () => withCertificate(-3, 'error'));
    dnsSection = await section('dns');
    expect(within(dnsSection).getByText('Error')).toBeInTheDocument();
    expect(
      within(dnsSection).getByText(
        /origin certificate expired on .* \(3 days ago\)/,
      ),
    ).toBeInTheDocument();
    cleanup();
    await renderCard(async () => withCertificate(null, 'warning'));
    expect(
      within(await section('dns')).getByText(
        /no Origin CA certificate covers these host names/,
      ),
    ).toBeInTheDocument();
  });

  it('shows the votes in the entity tab', async () => {
    await renderCard(async () => statusFixture(), 'content');
    expect(
      within(await section('votes')).getByText(
        'Cats or dogs?: Cats 2, Dogs 1 (3 in all)',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('note')).not.toBeInTheDocument();
  });

  it('details each section in the entity tab as tables: node pools, DNS records, deployments, alerts, votes', async () => {
    await renderCard(
      async () =>
        statusFixture('demo', {
          dns: {
            state: 'warning',
            detail: {
              ...statusFixture().dns.detail!,
              records: [
                ...statusFixture().dns.detail!.records,
                {
                  name: 'result.demo.example.com',
                  present: false,
                  type: null,
                  content: null,
                  proxied: null,
                  pointsAtLoadBalancer: null,
                },
              ],
            },
          },
          alerts: {
            state: 'error',
            detail: {
              prometheus: 'monitoring/kps-prometheus',
              alerts: [
                {
                  name: 'KubePodCrashLooping',
                  severity: 'critical',
                  namespace: 'voting',
                  summary: 'Pod voting/worker is crash looping.',
                  activeAt: '2026-11-30T21:00:00.000Z',
                },
              ],
            },
          },
        }),
      'content',
    );
    /** A table's rows, by its caption, as the text of their cells. */
    const rows = (caption: string | RegExp) =>
      within(screen.getByRole('table', { name: caption }))
        .getAllByRole('row')
        .map(row =>
          [...row.querySelectorAll('th, td')].map(cell => cell.textContent),
        );
    await section('cluster');
    expect(rows('Node pools')).toEqual([
      ['Pool', 'Size', 'Ready', 'Desired'],
      ['pool', 's-2vcpu-4gb', '2', '2'],
    ]);
    expect(rows('Cluster')).toContainEqual(['HA control plane', 'yes']);
    expect(rows('Cluster')).toContainEqual(['Upgrade available', 'none']);
    expect(rows('Database')).toContainEqual(['Nodes', '1']);
    expect(rows('DNS records')).toEqual([
      ['Host', 'Type', 'Points at', 'Proxied', 'At the load balancer'],
      ['vote.demo.example.com', 'A', '10.0.0.1', 'yes', 'yes'],
      ['result.demo.example.com', 'missing', '—', '—', '—'],
    ]);
    expect(rows('DNS and TLS')).toContainEqual(['SSL/TLS mode', 'strict']);
    expect(rows('Voting workloads')).toEqual([
      ['Workload', 'Kind', 'Ready', 'Desired'],
      ['voting/vote', 'Deployment', '2', '2'],
      ['voting/redis', 'StatefulSet', '1', '1'],
    ]);
    expect(
      rows(/Firing alerts \(Prometheus monitoring\/kps-prometheus\)/),
    ).toEqual([
      ['Alert', 'Severity', 'Namespace', 'Summary', 'Since'],
      [
        'KubePodCrashLooping',
        'critical',
        'voting',
        'Pod voting/worker is crash looping.',
        new Date('2026-11-30T21:00:00.000Z').toLocaleString(),
      ],
    ]);
    expect(rows('Votes by option')).toEqual([
      ['Option', 'Votes', 'Share'],
      ['Cats', '2', '66.7 %'],
      ['Dogs', '1', '33.3 %'],
    ]);
  });

  it('keeps the overview card to one line a section, without tables', async () => {
    await renderCard(async () => statusFixture());
    await section('cluster');
    expect(screen.queryAllByRole('table')).toEqual([]);
  });

  it("says in sandbox mode that the votes are the local stack's", async () => {
    const status = statusFixture();
    await renderCard(
      async () => ({
        ...status,
        votes: {
          ...status.votes,
          detail: {
            ...status.votes.detail!,
            servedBy: {
              kind: 'local-stack',
              voteUrl: 'http://localhost:8080',
              resultUrl: 'http://localhost:8081',
            },
          },
        },
      }),
      'content',
    );
    expect(within(await section('votes')).getByRole('note')).toHaveTextContent(
      SANDBOX_NOTE,
    );
  });

  it('shows progress until the first answer', async () => {
    await renderCard(() => new Promise(() => {}));
    expect(await screen.findByRole('progressbar')).toBeInTheDocument();
    expect(screen.queryByTestId('section-cluster')).not.toBeInTheDocument();
  });

  it('says so when the backend refuses', async () => {
    await renderCard(async () => {
      throw Object.assign(
        new Error('not allowed to read the status of environment "demo"'),
        {
          name: 'NotAllowedError',
        },
      );
    });
    expect(
      await screen.findAllByText(
        /not allowed to read the status of environment "demo"/,
      ),
    ).not.toHaveLength(0);
  });

  it('says so on an entity that names no environment, without asking the backend', async () => {
    const { asked, watched } = await renderCard(
      async () => statusFixture(),
      undefined,
      {
        ...entity,
        metadata: { name: 'other' },
      },
    );
    expect(await screen.findByText(/names no environment/)).toBeInTheDocument();
    expect(asked).toEqual([]);
    expect(watched).toEqual([]);
  });

  it('asks again at its interval and shows the change', async () => {
    const answers = [
      statusFixture(),
      statusFixture('demo', {
        cluster: { state: 'error', detail: null, error: 'cluster gone' },
      }),
    ];
    // the first answer, then the second for every later call
    const { asked } = await renderCard(
      async () => (answers.length > 1 ? answers.shift()! : answers[0]),
      undefined,
      entity,
      50,
    );
    expect(
      await within(await section('cluster')).findByText(/cluster gone/),
    ).toBeInTheDocument();
    expect(asked.length).toBeGreaterThanOrEqual(2);
  });

  it('fetches again when the backend signals a change of a shown section, and not for the votes', async () => {
    const answers = [
      statusFixture(),
      statusFixture('demo', {
        cluster: { state: 'error', detail: null, error: 'cluster gone' },
      }),
    ];
    const { asked, signals } = await renderCard(async () => answers[0]);
    await section('cluster');
    expect(signals.channels()).toEqual(['voting:environment:demo']);
    // the overview card does not show the votes: a votes signal is not its business
    signals.send('voting:environment:demo', {
      environment: 'demo',
      sections: ['votes'],
    });
    answers.shift();
    signals.send('voting:environment:demo', {
      environment: 'demo',
      sections: ['cluster'],
    });
    expect(
      await within(await section('cluster')).findByText(/cluster gone/),
    ).toBeInTheDocument();
    // the signalled section alone
    expect(asked).toEqual(['demo', 'demo: cluster']);
  });

  it('in the entity tab, fetches only the signalled sections and keeps the others; a DNS change fetches everything', async () => {
    let answer = statusFixture();
    const { asked, signals } = await renderCard(async () => answer, 'content');
    await within(await section('votes')).findByText(/\(3 in all\)/);
    answer = statusFixture('demo', {
      votes: {
        state: 'ok',
        detail: {
          ...statusFixture().votes.detail!,
          total: 4,
          options: [
            { id: 'a', label: 'Cats', votes: 3, percent: 75 },
            { id: 'b', label: 'Dogs', votes: 1, percent: 25 },
          ],
        },
      },
      // not asked for: the card keeps what it showed
      cluster: { state: 'error', detail: null, error: 'cluster gone' },
    });
    signals.send('voting:environment:demo', {
      environment: 'demo',
      sections: ['votes'],
    });
    expect(
      await within(await section('votes')).findByText(
        'Cats or dogs?: Cats 3, Dogs 1 (4 in all)',
      ),
    ).toBeInTheDocument();
    expect(
      within(await section('cluster')).queryByText(/cluster gone/),
    ).not.toBeInTheDocument();
    expect(asked).toEqual(['demo', 'demo: votes']);

    signals.send('voting:environment:demo', {
      environment: 'demo',
      sections: ['dns'],
    });
    expect(
      await within(await section('cluster')).findByText(/cluster gone/),
    ).toBeInTheDocument();
    expect(asked).toEqual(['demo', 'demo: votes', 'demo']);
  });

  it('renews the lease while shown, and stops when unmounted', async () => {
    const { watched, unmount } = await renderCard(
      async () => statusFixture(),
      undefined,
      entity,
      0,
      signalsFake(),
      0.1,
    );
    await section('cluster');
    await waitFor(() => expect(watched.length).toBeGreaterThanOrEqual(3));
    unmount();
    const renewals = watched.length;
    await new Promise(done => setTimeout(done, 200));
    expect(watched).toHaveLength(renewals);
    expect(new Set(watched)).toEqual(new Set(['demo']));
  });
});
