/** Settings of one deployment of the voting stack (vote, worker, result and Redis). */
export interface VotingStackSettings {
  /** Namespace that holds everything; created by the manifests. */
  namespace: string;
  /** Image registry and repository prefix, e.g. `registry.digitalocean.com/acme`. */
  imageRepository: string;
  /** Tag of the vote, worker and result images. */
  imageTag: string;
  replicas: { vote: number; result: number; worker: number };
  /**
   * Name of an existing Secret in the namespace with the keys `POSTGRES_URL` and
   * `VOTE_COOKIE_SECRET`. The manifests only reference it, so no secret is ever rendered.
   */
  secretName: string;
  poll: { id: string; question: string; optionA: string; optionB: string };
  /** Public host names; without them no Ingress is rendered. */
  ingress?: { voteHost: string; resultHost: string; className: string };
}

type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
  };
};

const PART_OF = 'voting-app';
const REDIS_IMAGE = 'redis:7.4-alpine';

function labels(component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': 'backstage',
  };
}

function selector(component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': component };
}

const secretEnv = (secretName: string, key: string) => ({
  name: key,
  valueFrom: { secretKeyRef: { name: secretName, key } },
});

function deployment(
  s: VotingStackSettings,
  component: 'vote' | 'result' | 'worker',
  port: number,
  env: object[],
): Manifest {
  const probe = (path: string) => ({
    httpGet: { path, port: 'http' },
    periodSeconds: 10,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: component,
      namespace: s.namespace,
      labels: labels(component),
    },
    spec: {
      replicas: s.replicas[component],
      selector: { matchLabels: selector(component) },
      template: {
        metadata: { labels: labels(component) },
        spec: {
          containers: [
            {
              name: component,
              image: `${s.imageRepository}/${component}:${s.imageTag}`,
              ports: [{ name: 'http', containerPort: port }],
              envFrom: [{ configMapRef: { name: 'voting-config' } }],
              env: [{ name: 'PORT', value: String(port) }, ...env],
              readinessProbe: probe('/readyz'),
              livenessProbe: probe('/healthz'),
              resources: {
                requests: { cpu: '50m', memory: '96Mi' },
                limits: { memory: '256Mi' },
              },
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
              },
            },
          ],
        },
      },
    },
  };
}

function service(
  s: VotingStackSettings,
  component: string,
  port: number,
): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: component,
      namespace: s.namespace,
      labels: labels(component),
    },
    spec: {
      selector: selector(component),
      ports: [{ name: 'http', port: 80, targetPort: port }],
    },
  };
}

/**
 * The Kubernetes objects of the voting stack, in apply order. Pure: the same settings give
 * the same objects.
 */
export function votingStackManifests(s: VotingStackSettings): Manifest[] {
  const ports = { vote: 8080, result: 8081, worker: 8082 };
  const manifests: Manifest[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: s.namespace,
        labels: { 'app.kubernetes.io/part-of': PART_OF },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'voting-config',
        namespace: s.namespace,
        labels: labels('voting-config'),
      },
      data: {
        HOST: '0.0.0.0',
        QUEUE_BACKEND: 'redis',
        REDIS_URL: 'redis://redis:6379',
        POLL_ID: s.poll.id,
        POLL_QUESTION: s.poll.question,
        OPTION_A: s.poll.optionA,
        OPTION_B: s.poll.optionB,
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'redis',
        namespace: s.namespace,
        labels: labels('redis'),
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: selector('redis') },
        template: {
          metadata: { labels: labels('redis') },
          spec: {
            containers: [
              {
                name: 'redis',
                image: REDIS_IMAGE,
                args: ['--appendonly', 'yes'],
                ports: [{ name: 'redis', containerPort: 6379 }],
                readinessProbe: {
                  tcpSocket: { port: 'redis' },
                  periodSeconds: 5,
                },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'redis',
        namespace: s.namespace,
        labels: labels('redis'),
      },
      spec: {
        selector: selector('redis'),
        ports: [{ name: 'redis', port: 6379, targetPort: 'redis' }],
      },
    },
    deployment(s, 'worker', ports.worker, [
      secretEnv(s.secretName, 'POSTGRES_URL'),
    ]),
    deployment(s, 'vote', ports.vote, [
      secretEnv(s.secretName, 'VOTE_COOKIE_SECRET'),
      { name: 'TRUST_PROXY', value: 'true' },
      ...(s.ingress
        ? [{ name: 'RESULT_URL', value: `https://${s.ingress.resultHost}` }]
        : []),
    ]),
    service(s, 'vote', ports.vote),
    deployment(s, 'result', ports.result, [
      secretEnv(s.secretName, 'POSTGRES_URL'),
    ]),
    service(s, 'result', ports.result),
  ];
  if (s.ingress) {
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
    manifests.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'voting',
        namespace: s.namespace,
        labels: labels('voting'),
      },
      spec: {
        ingressClassName: s.ingress.className,
        rules: [
          rule(s.ingress.voteHost, 'vote'),
          rule(s.ingress.resultHost, 'result'),
        ],
      },
    });
  }
  return manifests;
}
