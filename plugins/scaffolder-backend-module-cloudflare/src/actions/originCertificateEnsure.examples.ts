import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'An origin certificate for the apex and every subdomain; a later step stores tls/origin/tls.crt and tls.key as a Kubernetes TLS Secret',
    example: `steps:
  - id: origin-cert
    name: Origin certificate
    action: cloudflare:origin-certificate:ensure
    input:
      hostnames: [example.com, "*.example.com"]
      keyType: ecdsa
      validityDays: 5475
      targetPath: tls/origin
`,
  },
];
