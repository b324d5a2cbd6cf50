import {
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import type {
  AlertsStatusDetail,
  ClusterStatusDetail,
  DatabaseStatusDetail,
  DnsStatusDetail,
  EnvironmentStatus,
  StatusSection,
  StatusSectionName,
  StatusState,
  VotesStatusDetail,
  WorkloadsStatusDetail,
} from '@voting-platform/plugin-voting-common';
import { STATUS_SECTIONS } from '@voting-platform/plugin-voting-common';

/** Worst first: an environment is as well as its worst section. */
export const SEVERITY: StatusState[] = [
  'error',
  'rate-limited',
  'warning',
  'pending',
  'ok',
];

export const STATE_LABELS: Record<StatusState, string> = {
  ok: 'OK',
  warning: 'Warning',
  error: 'Error',
  pending: 'Pending',
  'rate-limited': 'Rate-limited',
};

export const SECTION_TITLES: Record<StatusSectionName, string> = {
  cluster: 'Cluster',
  database: 'Database',
  dns: 'DNS and TLS',
  workloads: 'Workloads',
  alerts: 'Alerts',
  votes: 'Votes',
};

/** The state of the whole environment: that of its worst section. */
export function overallState(status: EnvironmentStatus): StatusState {
  const states = STATUS_SECTIONS.map(section => status[section].state);
  return SEVERITY.find(s => states.includes(s)) ?? 'ok';
}

/** The core-components indicator of a state, with its word beside it. */
export function StateIndicator(props: { state: StatusState }) {
  const label = STATE_LABELS[props.state];
  switch (props.state) {
    case 'ok':
      return <StatusOK>{label}</StatusOK>;
    case 'pending':
      return <StatusPending>{label}</StatusPending>;
    case 'error':
      return <StatusError>{label}</StatusError>;
    default:
      return <StatusWarning>{label}</StatusWarning>;
  }
}

/** One line saying what a section saw. */
export function summary(
  section: StatusSectionName,
  value: StatusSection<unknown>,
): string {
  if (!value.detail) return value.error ?? 'not checked';
  switch (section) {
    case 'cluster': {
      const d = value.detail as ClusterStatusDetail;
      const pools = d.nodePools
        .map(p => `${p.name} ${p.ready}/${p.desired} nodes ready`)
        .join(', ');
      return [
        `${d.state}${d.message ? ` (${d.message})` : ''}`,
        `Kubernetes ${d.version}`,
        d.upgradeAvailable ? `upgrade to ${d.upgradeAvailable} available` : '',
        d.ha ? 'HA control plane' : '',
        pools,
      ]
        .filter(Boolean)
        .join(' · ');
    }
    case 'database': {
      const d = value.detail as DatabaseStatusDetail;
      return [
        d.status,
        `PostgreSQL ${d.version}`,
        `${d.size} × ${d.nodes}`,
        d.latestBackupAt
          ? `last backup ${new Date(d.latestBackupAt).toLocaleString()}`
          : 'no backup yet',
      ].join(' · ');
    }
    case 'dns': {
      const d = value.detail as DnsStatusDetail;
      const records = d.records.map(r => {
        if (!r.present) return `${r.name} missing`;
        if (r.pointsAtLoadBalancer === false)
          return `${r.name} points at ${r.content}, not the load balancer`;
        return `${r.name}${r.proxied ? ' (proxied)' : ' (not proxied)'}`;
      });
      return [
        `zone ${d.zone}`,
        `SSL ${d.sslMode ?? 'unknown'}`,
        ...records,
        certificateSummary(d),
      ].join(' · ');
    }
    case 'workloads': {
      const d = value.detail as WorkloadsStatusDetail;
      const workloads = d.deployments.length
        ? [...d.deployments, ...d.statefulSets]
            .map(x => `${x.name} ${x.ready}/${x.desired}`)
            .join(', ')
        : 'no voting Deployment';
      return `${workloads} · load balancer ${d.loadBalancer ?? 'pending'}`;
    }
    case 'alerts': {
      const d = value.detail as AlertsStatusDetail;
      if (d.alerts.length === 0)
        return `no firing alert (Prometheus ${d.prometheus})`;
      return d.alerts
        .map(
          a =>
            `${a.name} (${a.severity ?? 'no severity'}${
              a.namespace ? `, ${a.namespace}` : ''
            })${a.summary ? `: ${a.summary}` : ''}`,
        )
        .join(' · ');
    }
    default: {
      const d = value.detail as VotesStatusDetail;
      return d.total === 0
        ? `${d.question}: no votes yet`
        : `${d.question}: ${d.options
            .map(o => `${o.label} ${o.votes}`)
            .join(', ')} (${d.total} in all)`;
    }
  }
}

function certificateSummary(d: DnsStatusDetail): string {
  const c = d.originCertificate;
  if (!c) return 'no Origin CA certificate covers these host names';
  const date = new Date(c.expiresOn).toLocaleDateString();
  if (c.daysLeft < 0)
    return `origin certificate expired on ${date} (${-c.daysLeft} days ago)`;
  return `origin certificate expires on ${date} (in ${c.daysLeft} day${
    c.daysLeft === 1 ? '' : 's'
  })`;
}

/** Why a section could not be checked, in words a viewer can act on. */
export function explanation(value: StatusSection<unknown>): string | undefined {
  if (value.state === 'rate-limited') {
    return `${
      value.error ?? 'The provider is rate-limiting the portal'
    }. This says nothing about the environment itself.`;
  }
  return value.error;
}
