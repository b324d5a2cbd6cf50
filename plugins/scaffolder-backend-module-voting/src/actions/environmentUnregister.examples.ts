import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'Remove the record of the environment being torn down (its entities leave the catalog)',
    example: `steps:
  - id: unregister
    name: Remove the environment from the portal
    action: voting:environment:unregister
    input:
      name: \${{ parameters.name }}
`,
  },
];
