import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'PostgreSQL for the voting app, in the VPC of the cluster made by an earlier step and reachable from it only',
    example: `steps:
  - id: database
    name: PostgreSQL
    action: digitalocean:database:ensure
    input:
      name: voting-prod-pg
      region: nyc1
      version: "17"
      size: db-s-1vcpu-2gb
      numNodes: 1
      kubernetesClusterId: \${{ steps.cluster.output.clusterId }}
      database: voting
      user: voting
      pool: { name: voting_pool, mode: transaction, size: 10 }
`,
  },
];
