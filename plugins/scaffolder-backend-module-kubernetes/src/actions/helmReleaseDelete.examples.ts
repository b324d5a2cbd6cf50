import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      "Uninstalls an environment's Traefik and kube-prometheus-stack before its cluster is deleted (the cluster found by name; nothing to do once it is gone)",
    example: `steps:
  - id: traefik
    name: Traefik
    action: kubernetes:helm-release:delete
    input:
      clusterName: voting-prod
      preset: traefik
  - id: monitoring
    name: kube-prometheus-stack
    action: kubernetes:helm-release:delete
    input:
      clusterName: voting-prod
      preset: kube-prometheus-stack
      timeoutSeconds: 120
`,
  },
  {
    description: 'Uninstalls a release of any chart, by name and namespace',
    example: `steps:
  - id: cache
    name: Redis
    action: kubernetes:helm-release:delete
    input:
      clusterId: \${{ steps.cluster.output.clusterId }}
      releaseName: redis
      namespace: cache
`,
  },
];
