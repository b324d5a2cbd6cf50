import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { stringify } from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Install kube-prometheus-stack, then Traefik, on the cluster made by an earlier step',
    example: stringify({
      steps: [
        {
          id: 'monitoring',
          action: 'kubernetes:helm-release:ensure',
          input: {
            clusterId: '${{ steps.cluster.output.clusterId }}',
            preset: 'kube-prometheus-stack',
          },
        },
        {
          id: 'traefik',
          action: 'kubernetes:helm-release:ensure',
          input: {
            clusterId: '${{ steps.cluster.output.clusterId }}',
            preset: 'traefik',
            loadBalancerName: 'voting-lb',
          },
        },
      ],
    }),
  },
  {
    description:
      'Install a chart by name from a repository listed in kubernetesActions.helm.allowedRepositories, at a pinned version, with values',
    example: stringify({
      steps: [
        {
          id: 'redis',
          action: 'kubernetes:helm-release:ensure',
          input: {
            clusterId: '${{ steps.cluster.output.clusterId }}',
            chart: 'redis',
            repositoryUrl: 'https://charts.example.com',
            version: '1.2.3',
            namespace: 'cache',
            values: { replicas: 2 },
            timeoutSeconds: 600,
          },
        },
      ],
    }),
  },
];
