import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { stringify } from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Deploy the voting services to the cluster and database made by earlier steps, with Grafana's public address",
    example: stringify({
      steps: [
        {
          id: 'deploy',
          action: 'voting:stack:ensure',
          input: {
            clusterId: '${{ steps.cluster.output.clusterId }}',
            databaseId: '${{ steps.database.output.databaseClusterId }}',
            databasePool: '${{ steps.database.output.pool }}',
            domain: 'example.com',
            imageRepository: 'registry.digitalocean.com/acme',
            imageTag: '1.0.0',
            tlsSecretName: 'cloudflare-origin-tls',
            // Grafana at grafana.example.com, from the kube-prometheus-stack step
            grafanaService: '${{ steps.monitoring.output.grafanaServiceName }}',
            monitoringNamespace: '${{ steps.monitoring.output.namespace }}',
          },
        },
      ],
    }),
  },
];
