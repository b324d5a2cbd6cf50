import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description: 'Full (strict) encryption between Cloudflare and the origin',
    example: `steps:
  - id: ssl
    name: TLS mode
    action: cloudflare:zone:ssl:ensure
    input:
      zone: example.com
      mode: strict
`,
  },
];
