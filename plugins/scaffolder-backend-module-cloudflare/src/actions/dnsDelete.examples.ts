import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'Remove the records of vote.example.com when an environment is torn down',
    example: `steps:
  - id: dns-vote
    name: Delete DNS of the vote app
    action: cloudflare:dns:delete
    input:
      zone: example.com
      name: vote
`,
  },
];
