import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description: 'A VPC for the voting app in New York',
    example: `steps:
  - id: vpc
    name: VPC
    action: digitalocean:vpc:ensure
    input:
      name: voting-prod
      region: nyc1
      ipRange: 10.20.0.0/20
`,
  },
];
