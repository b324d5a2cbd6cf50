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
}

/** Routes vote.<domain> and result.<domain> to their Services, TLS on Traefik's websecure entry point. */
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
