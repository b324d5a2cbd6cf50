import type { KubeObject } from '@voting-platform/plugin-kubernetes-node';
import { votingStackManifests } from './votingStack';

/** Typed settings of one deployment of the voting services (see `voting:deploy`). */
export interface VotingDeploySettings {
  namespace: string;
  imageRepository: string;
  imageTag: string;
  /** Public hosts are vote.<domain> and result.<domain>. */
  domain: string;
  /** Secret (type kubernetes.io/tls) with the Cloudflare origin certificate. */
  tlsSecretName: string;
  /** PEM certificate and key to store in that Secret; without them the Secret must exist. */
  tls?: { certificate: string; key: string };
  queue: 'redis' | 'nats';
  worker: { replicas: number };
  result: { replicas: number };
  vote: { minReplicas: number; maxReplicas: number; cpuTargetPercent: number };
  poll: { id: string; question: string; optionA: string; optionB: string };
  /** The Secret made here: POSTGRES_URL and VOTE_COOKIE_SECRET, base64 in `data`. */
  secret: { name: string; postgresUrl: string; voteCookieSecret: string };
  /** Label put on ServiceMonitors and PrometheusRules so kube-prometheus-stack selects them. */
  prometheusRelease: string;
  /** Queue lag above which the QueueLagHigh alert fires. */
  queueLagThreshold: number;
  /** Which kinds to generate: IngressRoute (Traefik CRD) or a plain Ingress; monitoring CRDs or not. */
  features: { ingressRoute: boolean; monitoring: boolean };
}

const PART_OF = 'voting-app';
const MANAGED_BY = 'backstage';

const labels = (name: string) => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/part-of': PART_OF,
  'app.kubernetes.io/managed-by': MANAGED_BY,
});

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const POD_SECURITY = (uid: number) => ({
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: uid,
  fsGroup: uid,
  seccompProfile: { type: 'RuntimeDefault' },
});
const CONTAINER_SECURITY = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

export const hosts = (domain: string) => ({ vote: `vote.${domain}`, result: `result.${domain}` });

/** Kinds that need CRDs; applied last, after the built-in kinds. */
export const CRD_KINDS = new Set(['IngressRoute', 'ServiceMonitor', 'PrometheusRule']);

/**
 * The objects of a voting deployment, in apply order (Namespace first, CRD-based kinds last). Pure.
 * Builds on votingStackManifests (the rendered stack) and adds what a production deployment needs.
 */
export function votingDeployManifests(s: VotingDeploySettings): KubeObject[] {
  const h = hosts(s.domain);
  const base = votingStackManifests({
    namespace: s.namespace,
    imageRepository: s.imageRepository,
    imageTag: s.imageTag,
    replicas: { vote: s.vote.minReplicas, result: s.result.replicas, worker: s.worker.replicas },
    secretName: s.secret.name,
    poll: s.poll,
  }) as unknown as KubeObject[];

  const objects: KubeObject[] = [];
  for (const obj of base) {
    const name = obj.metadata.name;
    if (obj.kind === 'Namespace') {
      objects.push(obj, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: s.secret.name, namespace: s.namespace, labels: labels('voting-secrets') },
        type: 'Opaque',
        data: { POSTGRES_URL: b64(s.secret.postgresUrl), VOTE_COOKIE_SECRET: b64(s.secret.voteCookieSecret) },
      });
      if (s.tls) {
        objects.push({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: s.tlsSecretName, namespace: s.namespace, labels: labels('origin-certificate') },
          type: 'kubernetes.io/tls',
          data: { 'tls.crt': b64(s.tls.certificate), 'tls.key': b64(s.tls.key) },
        });
      }
      continue;
    }
    if (obj.kind === 'ConfigMap') {
      const data = obj.data as Record<string, string>;
      if (s.queue === 'nats') {
        delete data.REDIS_URL;
        data.QUEUE_BACKEND = 'nats';
        data.NATS_URL = 'nats://nats:4222';
      }
      objects.push(obj);
      continue;
    }
    if ((obj.kind === 'Deployment' || obj.kind === 'Service') && name === 'redis') {
      if (s.queue === 'redis') objects.push(obj.kind === 'Deployment' ? hardenRedis(obj) : obj);
      else if (obj.kind === 'Deployment') objects.push(...nats(s));
      continue;
    }
    if (obj.kind === 'Deployment') {
      objects.push(hardenApp(obj, name === 'vote'));
      if (name === 'worker') objects.push(service(s, 'worker', 8082));
      continue;
    }
    objects.push(obj);
  }

  for (const app of ['vote', 'result', 'worker']) {
    objects.push({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: app, namespace: s.namespace, labels: labels(app) },
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': app } } },
    });
  }
  objects.push({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'vote', namespace: s.namespace, labels: labels('vote') },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'vote' },
      minReplicas: s.vote.minReplicas,
      maxReplicas: s.vote.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: s.vote.cpuTargetPercent } } }],
    },
  });

  if (s.features.ingressRoute) {
    objects.push({
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      metadata: { name: 'voting', namespace: s.namespace, labels: labels('voting') },
      spec: {
        entryPoints: ['websecure'],
        routes: [
          { match: `Host(\`${h.vote}\`)`, kind: 'Rule', services: [{ name: 'vote', port: 80 }] },
          { match: `Host(\`${h.result}\`)`, kind: 'Rule', services: [{ name: 'result', port: 80 }] },
        ],
        tls: { secretName: s.tlsSecretName },
      },
    });
  } else {
    const rule = (host: string, name: string) => ({
      host,
      http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }] },
    });
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'voting',
        namespace: s.namespace,
        labels: labels('voting'),
        annotations: { 'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure', 'traefik.ingress.kubernetes.io/router.tls': 'true' },
      },
      spec: {
        ingressClassName: 'traefik',
        tls: [{ hosts: [h.vote, h.result], secretName: s.tlsSecretName }],
        rules: [rule(h.vote, 'vote'), rule(h.result, 'result')],
      },
    });
  }

  objects.push(dashboard(s));
  if (s.features.monitoring) {
    for (const app of ['vote', 'result', 'worker']) {
      objects.push({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: app, namespace: s.namespace, labels: { ...labels(app), release: s.prometheusRelease } },
        spec: {
          selector: { matchLabels: { 'app.kubernetes.io/name': app } },
          namespaceSelector: { matchNames: [s.namespace] },
          endpoints: [{ port: 'http', path: '/metrics', interval: '15s' }],
        },
      });
    }
    objects.push(prometheusRule(s));
  }
  return objects;
}

function service(s: VotingDeploySettings, name: string, port: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: s.namespace, labels: labels(name) },
    spec: { selector: { 'app.kubernetes.io/name': name }, ports: [{ name: 'http', port: 80, targetPort: port }] },
  };
}

function podSpec(obj: KubeObject): any {
  return (obj.spec as any).template.spec;
}

function hardenApp(obj: KubeObject, autoscaled: boolean): KubeObject {
  const spec = podSpec(obj);
  spec.securityContext = POD_SECURITY(1000);
  spec.automountServiceAccountToken = false;
  spec.volumes = [{ name: 'tmp', emptyDir: {} }];
  const c = spec.containers[0];
  c.securityContext = CONTAINER_SECURITY;
  c.resources = { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
  c.volumeMounts = [{ name: 'tmp', mountPath: '/tmp' }];
  c.readinessProbe = { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, failureThreshold: 3 };
  c.livenessProbe = { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 };
  // the HPA owns vote's replica count: applying one would fight it
  if (autoscaled) delete (obj.spec as any).replicas;
  return obj;
}

function hardenRedis(obj: KubeObject): KubeObject {
  const spec = podSpec(obj);
  spec.securityContext = POD_SECURITY(999);
  spec.automountServiceAccountToken = false;
  spec.volumes = [{ name: 'data', emptyDir: {} }];
  const c = spec.containers[0];
  c.securityContext = CONTAINER_SECURITY;
  c.resources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
  c.volumeMounts = [{ name: 'data', mountPath: '/data' }];
  c.livenessProbe = { tcpSocket: { port: 'redis' }, initialDelaySeconds: 10, periodSeconds: 10 };
  return obj;
}

function nats(s: VotingDeploySettings): KubeObject[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'nats', namespace: s.namespace, labels: labels('nats') },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'nats' } },
        template: {
          metadata: { labels: labels('nats') },
          spec: {
            securityContext: POD_SECURITY(1000),
            automountServiceAccountToken: false,
            volumes: [{ name: 'data', emptyDir: {} }],
            containers: [
              {
                name: 'nats',
                image: 'nats:2.11-alpine',
                args: ['-js', '-sd', '/data', '-m', '8222'],
                ports: [{ name: 'client', containerPort: 4222 }, { name: 'monitor', containerPort: 8222 }],
                readinessProbe: { httpGet: { path: '/healthz?js-enabled-only=true', port: 'monitor' }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: '/healthz', port: 'monitor' }, initialDelaySeconds: 10, periodSeconds: 10 },
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
                securityContext: CONTAINER_SECURITY,
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'nats', namespace: s.namespace, labels: labels('nats') },
      spec: { selector: { 'app.kubernetes.io/name': 'nats' }, ports: [{ name: 'client', port: 4222, targetPort: 'client' }] },
    },
  ];
}

function prometheusRule(s: VotingDeploySettings): KubeObject {
  const ns = s.namespace;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'voting', namespace: ns, labels: { ...labels('voting'), release: s.prometheusRelease } },
    spec: {
      groups: [
        {
          name: 'voting.rules',
          rules: [
            {
              alert: 'VotingWorkerDown',
              expr: `absent(up{namespace="${ns}",service="worker"} == 1)`,
              for: '2m',
              labels: { severity: 'critical' },
              annotations: { summary: `No voting worker is up in ${ns}: votes queue up but are not recorded` },
            },
            {
              alert: 'VotingQueueLagHigh',
              expr: `max(queue_lag{namespace="${ns}"}) > ${s.queueLagThreshold}`,
              for: '5m',
              labels: { severity: 'warning' },
              annotations: { summary: `The vote queue in ${ns} lags by more than ${s.queueLagThreshold} messages` },
            },
          ],
        },
      ],
    },
  };
}

/** Grafana dashboard (loaded by kube-prometheus-stack's sidecar through the grafana_dashboard label). */
function dashboard(s: VotingDeploySettings): KubeObject {
  const sel = `namespace="${s.namespace}"`;
  let id = 0;
  const panel = (title: string, expr: string, legend: string, unit: string, x: number, y: number) => ({
    id: ++id,
    type: 'timeseries',
    title,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h: 8, w: 12, x, y },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: [{ refId: 'A', expr, legendFormat: legend }],
  });
  const json = {
    title: `Voting (${s.namespace})`,
    uid: `voting-${s.namespace}`.slice(0, 40),
    schemaVersion: 39,
    time: { from: 'now-1h', to: 'now' },
    refresh: '10s',
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus' }] },
    panels: [
      panel('Votes accepted per second', `sum(rate(votes_accepted_total{${sel}}[1m]))`, 'votes/s', 'reqps', 0, 0),
      panel('Votes rejected per second, by reason', `sum by (reason) (rate(votes_rejected_total{${sel}}[1m]))`, '{{reason}}', 'reqps', 12, 0),
      panel('Queue lag', `max(queue_lag{${sel}})`, 'lag', 'short', 0, 8),
      panel('Result pushes per second', `sum(rate(result_pushes_total{${sel}}[1m]))`, 'pushes/s', 'short', 12, 8),
      panel('Worker batch duration p95', `histogram_quantile(0.95, sum by (le) (rate(worker_batch_duration_seconds_bucket{${sel}}[5m])))`, 'p95', 's', 0, 16),
      panel('Result connected clients', `sum(result_connected_clients{${sel}})`, 'clients', 'short', 12, 16),
    ],
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `voting-dashboard-${s.namespace}`.slice(0, 63),
      namespace: s.namespace,
      labels: { ...labels('voting-dashboard'), grafana_dashboard: '1' },
    },
    data: { 'voting.json': JSON.stringify(json, null, 2) },
  };
}
