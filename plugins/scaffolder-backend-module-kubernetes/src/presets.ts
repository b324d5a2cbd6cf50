/**
 * Helm presets the voting template uses. Chart versions are pinned here (and only here); the
 * values use the keys the charts document for those versions.
 */
export interface Preset {
  chart: string;
  repositoryUrl: string;
  version: string;
  namespace: string;
  releaseName: string;
  values: Record<string, unknown>;
}

export const PRESET_NAMES = ['traefik', 'kube-prometheus-stack'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface PresetOptions {
  /** Name of the DigitalOcean load balancer (Traefik). */
  loadBalancerName?: string;
  /** Host name DigitalOcean puts on the load balancer (lets pods reach it through its hostname). */
  loadBalancerHostname?: string;
  /** Label that kube-prometheus-stack selects ServiceMonitors with (Traefik's own ServiceMonitor). */
  prometheusRelease?: string;
  /** Whether the ServiceMonitor CRD exists (Traefik's ServiceMonitor needs it). */
  serviceMonitors?: boolean;
  /** Secret holding Grafana's admin user and password (kube-prometheus-stack). */
  grafanaSecretName?: string;
}

export const GRAFANA_SECRET = 'grafana-admin';

export function preset(name: PresetName, o: PresetOptions = {}): Preset {
  if (name === 'traefik') {
    return {
      chart: 'traefik',
      repositoryUrl: 'https://traefik.github.io/charts',
      version: '37.0.0',
      namespace: 'traefik',
      releaseName: 'traefik',
      values: {
        deployment: { replicas: 2 },
        podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
        service: {
          type: 'LoadBalancer',
          annotations: {
            'service.beta.kubernetes.io/do-loadbalancer-name':
              o.loadBalancerName ?? 'voting-traefik',
            'service.beta.kubernetes.io/do-loadbalancer-protocol': 'tcp',
            'service.beta.kubernetes.io/do-loadbalancer-healthcheck-protocol':
              'tcp',
            ...(o.loadBalancerHostname
              ? {
                  'service.beta.kubernetes.io/do-loadbalancer-hostname':
                    o.loadBalancerHostname,
                }
              : {}),
          },
        },
        ports: {
          web: {
            redirections: {
              entryPoint: { to: 'websecure', scheme: 'https', permanent: true },
            },
          },
          websecure: { tls: { enabled: true } },
        },
        // the dashboard stays inside the cluster (kubectl port-forward), never on the load balancer
        ingressRoute: { dashboard: { enabled: false } },
        providers: {
          // the voting IngressRoute serves kube-prometheus-stack's Grafana from the monitoring
          // namespace; the cluster holds one environment, so no other tenant can use the reference
          kubernetesCRD: { enabled: true, allowCrossNamespace: true },
          kubernetesIngress: {
            enabled: true,
            publishedService: { enabled: true },
          },
        },
        metrics: {
          prometheus: {
            entryPoint: 'metrics',
            addEntryPointsLabels: true,
            addServicesLabels: true,
            service: { enabled: true },
            serviceMonitor: {
              enabled: o.serviceMonitors ?? true,
              additionalLabels: {
                release: o.prometheusRelease ?? 'kube-prometheus-stack',
              },
            },
          },
        },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
        resources: {
          requests: { cpu: '100m', memory: '64Mi' },
          limits: { cpu: '1', memory: '256Mi' },
        },
      },
    };
  }
  return {
    chart: 'kube-prometheus-stack',
    repositoryUrl: 'https://prometheus-community.github.io/helm-charts',
    version: '77.0.0',
    namespace: 'monitoring',
    releaseName: 'kube-prometheus-stack',
    values: {
      nodeExporter: { enabled: true },
      grafana: {
        enabled: true,
        // the password lives in a Secret made by the action, never in values
        admin: {
          existingSecret: o.grafanaSecretName ?? GRAFANA_SECRET,
          userKey: 'admin-user',
          passwordKey: 'admin-password',
        },
        ingress: { enabled: false },
        sidecar: {
          dashboards: {
            enabled: true,
            label: 'grafana_dashboard',
            labelValue: '1',
            searchNamespace: 'ALL',
          },
        },
      },
      prometheus: {
        prometheusSpec: {
          // select ServiceMonitors and rules of every namespace (the voting namespace included)
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          serviceMonitorNamespaceSelector: {},
          ruleNamespaceSelector: {},
          retention: '15d',
        },
      },
      alertmanager: { enabled: true },
    },
  };
}
