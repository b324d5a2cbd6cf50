import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      "An origin certificate for the vote and result apps, kept with its key in the TLS Secret voting/cloudflare-origin-tls of the environment's cluster (voting:stack:ensure's tlsSecretName); later tasks reuse it",
    example: `steps:
  - id: certificate
    name: Origin certificate
    action: cloudflare:origin-certificate:ensure
    input:
      clusterId: \${{ steps.cluster.output.clusterId }}
      zone: example.com
      hostnames: [vote.example.com, result.example.com]
      keyType: ecdsa
      validityDays: 5475
      namespace: voting
      secretName: cloudflare-origin-tls
`,
  },
];
