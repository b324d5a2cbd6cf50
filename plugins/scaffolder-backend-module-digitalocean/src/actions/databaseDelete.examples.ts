import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description: 'Delete the PostgreSQL cluster of an environment',
    example: `steps:
  - id: delete-database
    name: Delete PostgreSQL
    action: digitalocean:database:delete
    input:
      name: voting-prod-pg
`,
  },
];
