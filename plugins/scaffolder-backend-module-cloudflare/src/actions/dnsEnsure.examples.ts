import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      "Point vote.example.com at the cluster's load balancer, through Cloudflare's proxy",
    example: `steps:
  - id: dns-vote
    name: DNS for the vote app
    action: cloudflare:dns:ensure
    input:
      zone: example.com
      name: vote
      type: A
      content: \${{ steps.traefik.output.loadBalancerAddress }}
      proxied: true
`,
  },
];
