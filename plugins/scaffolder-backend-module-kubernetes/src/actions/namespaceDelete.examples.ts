import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      "Deletes an environment's voting namespace (its workloads, volumes and the TLS Secret with the origin certificate's key) before its cluster is deleted; nothing to do once the cluster is gone",
    example: `steps:
  - id: voting
    name: Voting namespace
    action: kubernetes:namespace:delete
    input:
      clusterName: voting-prod
      namespace: voting
      timeoutSeconds: 300
`,
  },
];
