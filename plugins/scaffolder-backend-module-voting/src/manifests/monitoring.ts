import { toLabel } from './rules';
import { labels, metadata, selector, type KubeObject } from './common';

export interface MonitoringOptions {
  namespace: string;
  /** Label kube-prometheus-stack selects ServiceMonitors and rules by (its release name). */
  prometheusRelease: string;
  /** Queue lag above which VotingQueueLagHigh fires. */
  queueLagThreshold: number;
  /** ServiceMonitors and PrometheusRule (they need the prometheus-operator CRDs). */
  operatorKinds: boolean;
}

const MONITORED = ['vote', 'result', 'worker'] as const;

/** Grafana dashboard, ServiceMonitors and alert rules. */
export function monitoring(o: MonitoringOptions): KubeObject[] {
  const objects = [dashboard(o.namespace)];
  if (!o.operatorKinds) return objects;
  for (const app of MONITORED) {
    objects.push({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: metadata(app, o.namespace, { release: o.prometheusRelease }),
      spec: {
        selector: { matchLabels: selector(app) },
        namespaceSelector: { matchNames: [o.namespace] },
        endpoints: [{ port: 'http', path: '/metrics', interval: '15s' }],
      },
    });
  }
  objects.push(rules(o));
  return objects;
}

function rules(o: MonitoringOptions): KubeObject {
  const ns = o.namespace;
  const inNs = `namespace="${ns}"`;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: metadata('voting', ns, { release: o.prometheusRelease }),
    spec: {
      groups: [
        {
          name: 'voting.rules',
          rules: [
            {
              alert: 'VotingWorkerDown',
              expr: `absent(up{${inNs},service="worker"} == 1)`,
              for: '2m',
              labels: { severity: 'critical' },
              annotations: {
                summary: `No voting worker is up in ${ns}: votes queue up but are not recorded`,
              },
            },
            {
              alert: 'VotingQueueLagHigh',
              expr: `max(queue_lag{${inNs}}) > ${o.queueLagThreshold}`,
              for: '5m',
              labels: { severity: 'warning' },
              annotations: {
                summary: `The vote queue in ${ns} lags by more than ${o.queueLagThreshold} messages`,
              },
            },
            // the queue store's three alerts, as the README's "Operations: alerts" section explains them
            {
              alert: 'VoteQueueStoreDown',
              expr: `max by (namespace, service) (queue_store_up{${inNs}}) == 0`,
              for: '1m',
              labels: { severity: 'critical' },
              annotations: {
                summary: `The queue server in ${ns} does not answer: votes get 503`,
              },
            },
            {
              alert: 'VoteQueueStoreIncomplete',
              expr: `min by (namespace, service) (queue_store_complete{${inNs}}) == 0`,
              for: '2m',
              labels: { severity: 'critical' },
              annotations: {
                summary: `The queue store in ${ns} lost its data and is not rebuilt: votes get 503`,
              },
            },
            {
              alert: 'VoteQueueStoreLostData',
              expr: `increase(queue_store_rebuilds_total{${inNs},reason="lost"}[15m]) > 0`,
              labels: { severity: 'warning' },
              annotations: {
                summary: `The queue store in ${ns} lost its data and was rebuilt: votes queued then are gone`,
              },
            },
          ],
        },
      ],
    },
  };
}

/** Grafana dashboard (loaded by kube-prometheus-stack's sidecar through the grafana_dashboard label). */
function dashboard(namespace: string): KubeObject {
  const sel = `namespace="${namespace}"`;
  let id = 0;
  const panel = (
    title: string,
    expr: string,
    legend: string,
    unit: string,
    x: number,
    y: number,
  ) => ({
    id: ++id,
    type: 'timeseries',
    title,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h: 8, w: 12, x, y },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: [{ refId: 'A', expr, legendFormat: legend }],
  });
  const json = {
    title: `Voting (${namespace})`,
    uid: `voting-${namespace}`.slice(0, 40),
    schemaVersion: 39,
    time: { from: 'now-1h', to: 'now' },
    refresh: '10s',
    templating: {
      list: [{ name: 'datasource', type: 'datasource', query: 'prometheus' }],
    },
    panels: [
      panel(
        'Votes accepted per second',
        `sum(rate(votes_accepted_total{${sel}}[1m]))`,
        'votes/s',
        'reqps',
        0,
        0,
      ),
      panel(
        'Votes rejected per second, by reason',
        `sum by (reason) (rate(votes_rejected_total{${sel}}[1m]))`,
        '{{reason}}',
        'reqps',
        12,
        0,
      ),
      panel('Queue lag', `max(queue_lag{${sel}})`, 'lag', 'short', 0, 8),
      panel(
        'Result pushes per second',
        `sum(rate(result_pushes_total{${sel}}[1m]))`,
        'pushes/s',
        'short',
        12,
        8,
      ),
      panel(
        'Worker batch duration p95',
        `histogram_quantile(0.95, sum by (le) (rate(worker_batch_duration_seconds_bucket{${sel}}[5m])))`,
        'p95',
        's',
        0,
        16,
      ),
      panel(
        'Result connected clients',
        `sum(result_connected_clients{${sel}})`,
        'clients',
        'short',
        12,
        16,
      ),
    ],
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: toLabel(`voting-dashboard-${namespace}`),
      namespace,
      labels: { ...labels('voting-dashboard'), grafana_dashboard: '1' },
    },
    data: { 'voting.json': JSON.stringify(json, null, 2) },
  };
}
