import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      "Revokes the origin certificates of an environment's vote and result apps when it is torn down",
    example: `steps:
  - id: certificates
    name: Origin certificates
    action: cloudflare:origin-certificate:delete
    input:
      zone: example.com
      hostnames: [vote.example.com, result.example.com]
`,
  },
];
