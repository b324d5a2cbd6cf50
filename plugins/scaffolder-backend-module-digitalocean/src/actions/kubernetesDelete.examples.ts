import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'Tear down the cluster of an environment, with the load balancers its Services made',
    example: `steps:
  - id: delete-cluster
    name: Delete the cluster
    action: digitalocean:kubernetes:delete
    input:
      name: voting-prod
`,
  },
];
