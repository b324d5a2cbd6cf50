import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import type {
  AlertsStatusDetail,
  ClusterStatusDetail,
  DatabaseStatusDetail,
  DnsStatusDetail,
  StatusSection,
  StatusSectionName,
  VotesStatusDetail,
  WorkloadsStatusDetail,
} from '@voting-platform/plugin-voting-common';
import type { ReactNode } from 'react';
import { SECTION_TITLES } from './states';

const when = (iso: string | null) =>
  iso ? new Date(iso).toLocaleString() : '—';
const yesNo = (value: boolean | null) => {
  if (value === null) return 'unknown';
  return value ? 'yes' : 'no';
};

/**
 * A small table with a caption (what it lists): with `head`, a header row over columns; without,
 * each row's first cell heads that row (a fact's name, its value beside it).
 */
function DetailTable(props: {
  caption: string;
  head?: string[];
  rows: ReactNode[][];
}) {
  const { head } = props;
  return (
    <Table size="small">
      <caption>{props.caption}</caption>
      {head ? (
        <TableHead>
          <TableRow>
            {head.map(title => (
              <TableCell key={title} component="th" scope="col">
                {title}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
      ) : null}
      <TableBody>
        {props.rows.map((cells, row) => (
          <TableRow key={row}>
            {cells.map((cell, column) =>
              !head && column === 0 ? (
                <TableCell key={column} component="th" scope="row">
                  {cell}
                </TableCell>
              ) : (
                <TableCell key={column}>{cell}</TableCell>
              ),
            )}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** What a section saw, as tables: the entity tab's detail under each section's summary. */
export function SectionDetail(props: {
  section: StatusSectionName;
  value: StatusSection<unknown>;
}) {
  const { section, value } = props;
  if (!value.detail) return null;
  const facts = (rows: Array<[string, ReactNode]>) => (
    <DetailTable caption={SECTION_TITLES[section]} rows={rows} />
  );
  switch (section) {
    case 'cluster': {
      const d = value.detail as ClusterStatusDetail;
      return (
        <>
          {facts([
            ['State', d.message ? `${d.state} (${d.message})` : d.state],
            ['Region', d.region],
            ['Kubernetes', d.version],
            ['Upgrade available', d.upgradeAvailable ?? 'none'],
            ['HA control plane', yesNo(d.ha)],
          ])}
          <DetailTable
            caption="Node pools"
            head={['Pool', 'Size', 'Ready', 'Desired']}
            rows={d.nodePools.map(p => [p.name, p.size, p.ready, p.desired])}
          />
        </>
      );
    }
    case 'database': {
      const d = value.detail as DatabaseStatusDetail;
      return facts([
        ['Status', d.status],
        ['PostgreSQL', d.version],
        ['Size', d.size],
        ['Nodes', d.nodes],
        [
          'Latest backup',
          d.latestBackupAt ? when(d.latestBackupAt) : 'none yet',
        ],
      ]);
    }
    case 'dns': {
      const d = value.detail as DnsStatusDetail;
      const c = d.originCertificate;
      return (
        <>
          {facts([
            ['Zone', d.zone],
            ['SSL/TLS mode', d.sslMode ?? 'unknown'],
            [
              'Origin certificate',
              c
                ? `${c.hostnames.join(', ')}: expires ${when(c.expiresOn)}`
                : 'none covers these host names',
            ],
          ])}
          <DetailTable
            caption="DNS records"
            head={[
              'Host',
              'Type',
              'Points at',
              'Proxied',
              'At the load balancer',
            ]}
            rows={d.records.map(r =>
              r.present
                ? [
                    r.name,
                    r.type ?? '—',
                    r.content ?? '—',
                    yesNo(r.proxied),
                    yesNo(r.pointsAtLoadBalancer),
                  ]
                : [r.name, 'missing', '—', '—', '—'],
            )}
          />
        </>
      );
    }
    case 'workloads': {
      const d = value.detail as WorkloadsStatusDetail;
      return (
        <>
          {facts([['Load balancer', d.loadBalancer ?? 'pending']])}
          <DetailTable
            caption="Voting workloads"
            head={['Workload', 'Kind', 'Ready', 'Desired']}
            rows={[
              ...d.deployments.map(x => ({ ...x, kind: 'Deployment' })),
              ...d.statefulSets.map(x => ({ ...x, kind: 'StatefulSet' })),
            ].map(x => [
              `${x.namespace}/${x.name}`,
              x.kind,
              x.ready,
              x.desired,
            ])}
          />
        </>
      );
    }
    case 'alerts': {
      const d = value.detail as AlertsStatusDetail;
      return d.alerts.length === 0 ? (
        <Typography variant="body2">
          No firing alert (Prometheus {d.prometheus}).
        </Typography>
      ) : (
        <DetailTable
          caption={`Firing alerts (Prometheus ${d.prometheus})`}
          head={['Alert', 'Severity', 'Namespace', 'Summary', 'Since']}
          rows={d.alerts.map(a => [
            a.name,
            a.severity ?? '—',
            a.namespace ?? '—',
            a.summary ?? '—',
            when(a.activeAt),
          ])}
        />
      );
    }
    default: {
      const d = value.detail as VotesStatusDetail;
      return (
        <DetailTable
          caption="Votes by option"
          head={['Option', 'Votes', 'Share']}
          rows={d.options.map(o => [o.label, o.votes, `${o.percent} %`])}
        />
      );
    }
  }
}
