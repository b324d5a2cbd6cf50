import type { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'Record the environment the earlier steps made, owned by the team chosen in the form',
    example: `steps:
  - id: register
    name: Record the environment in the portal
    action: voting:environment:register
    input:
      name: \${{ parameters.name }}
      owner: \${{ parameters.owner }}
      clusterId: \${{ steps.cluster.output.clusterId }}
      databaseId: \${{ steps.database.output.databaseClusterId }}
      vpcId: \${{ steps.vpc.output.vpcId }}
      domain: \${{ parameters.domain }}
      voteUrl: \${{ steps.deploy.output.voteUrl }}
      resultUrl: \${{ steps.deploy.output.resultUrl }}
`,
  },
  {
    description:
      'Record an environment with fixed values and a Grafana address',
    example: `steps:
  - id: register
    name: Record the environment in the portal
    action: voting:environment:register
    input:
      name: staging
      owner: group:default/team-a
      clusterId: bd5f5959-5e1e-4205-a714-a914373942af
      databaseId: 9cc10173-e9ea-4176-9dbc-a4cee4c4ff30
      vpcId: 5a4981aa-9653-4bd1-bef5-d6bff52042e4
      domain: staging.example.com
      voteUrl: https://vote.staging.example.com
      resultUrl: https://result.staging.example.com
      grafanaUrl: https://grafana.staging.example.com
      region: nyc1
`,
  },
];
