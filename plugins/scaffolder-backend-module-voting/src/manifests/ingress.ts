import { hosts } from './rules';
import { metadata, type KubeObject } from './common';

export interface IngressOptions {
  namespace: string;
  /** vote.<domain> and result.<domain>. */
  domain: string;
  /** Traefik's IngressRoute (its CRDs installed) or a networking.k8s.io Ingress of `className`. */
  kind: 'IngressRoute' | 'Ingress';
  className: string;
  /** Secret (type kubernetes.io/tls) with the Cloudflare origin certificate. */
  tlsSecretName: string;
  /**
   * Grafana's Service (kube-prometheus-stack's, in its own namespace), served at
   * grafana.<domain>. Only an IngressRoute routes to it: an Ingress cannot name a Service of
   * another namespace (Traefik's CRD provider can, with allowCrossNamespace).
   */
  grafana?: GrafanaService;
}

/** A Grafana Service on its HTTP port. */
export interface GrafanaService {
  namespace: string;
  name: string;
  port: number;
}

/** Whether these options give Grafana a public address. */
export const routesGrafana = (
  o: Pick<IngressOptions, 'kind' | 'grafana'> | undefined,
) => o?.kind === 'IngressRoute' && !!o.grafana;

/**
 * Routes vote.<domain> and result.<domain> to their Services (and grafana.<domain> to Grafana's,
 * see `routesGrafana`), TLS on Traefik's websecure entry point.
 */
export function ingress(o: IngressOptions): KubeObject {
  const h = hosts(o.domain);
  if (o.kind === 'IngressRoute') {
    return {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      metadata: metadata('voting', o.namespace),
      spec: {
        entryPoints: ['websecure'],
        routes: [
          {
            match: `Host(\`${h.vote}\`)`,
            kind: 'Rule',
            services: [{ name: 'vote', port: 80 }],
          },
          {
            match: `Host(\`${h.result}\`)`,
            kind: 'Rule',
            services: [{ name: 'result', port: 80 }],
          },
          ...(o.grafana
            ? [
                {
                  match: `Host(\`${h.grafana}\`)`,
                  kind: 'Rule',
                  services: [o.grafana],
                },
              ]
            : []),
        ],
        tls: { secretName: o.tlsSecretName },
      },
    };
  }
  const rule = (host: string, name: string) => ({
    host,
    http: {
      paths: [
        {
          path: '/',
          pathType: 'Prefix',
          backend: { service: { name, port: { name: 'http' } } },
        },
      ],
    },
  });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      ...metadata('voting', o.namespace),
      annotations: {
        'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure',
        'traefik.ingress.kubernetes.io/router.tls': 'true',
      },
    },
    spec: {
      ingressClassName: o.className,
      tls: [{ hosts: [h.vote, h.result], secretName: o.tlsSecretName }],
      rules: [rule(h.vote, 'vote'), rule(h.result, 'result')],
    },
  };
}
