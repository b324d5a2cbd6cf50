import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'A cluster for the voting app in the VPC of an earlier step, with autoscaling and a Sunday maintenance window',
    example: `steps:
  - id: cluster
    name: Kubernetes cluster
    action: digitalocean:kubernetes:ensure
    input:
      name: voting-prod
      region: nyc1
      vpcId: \${{ steps.vpc.output.vpcId }}
      nodePool:
        size: s-2vcpu-4gb
        count: 2
        autoScale: { min: 2, max: 4 }
      ha: true
      autoUpgrade: true
      maintenanceWindow: { day: sunday, startTime: "03:00" }
      tags: [voting]
`,
  },
];
