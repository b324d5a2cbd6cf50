import {
  installCrds,
  minimalCrds,
} from '@voting-platform/plugin-kubernetes-node/testUtils';
import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { useStackCluster } from '../__testUtils__/stack';
import { createVotingStackEnsureAction } from './stackEnsure';

jest.setTimeout(180_000);

describe('voting:stack:ensure examples', () => {
  // the examples leave the queue's StorageClass at its default: a test class of that name here
  const h = useStackCluster({ storageClass: 'do-block-storage', volumes: 2 });

  it('run on a local control plane behind the emulated cluster and database: the stack rolls out, and a dry run after it finds it unchanged', async () => {
    await installCrds(h.cluster.admin, minimalCrds());
    const action = createVotingStackEnsureAction({
      config: h.config(),
      loadBalancerTimeoutMs: 30_000,
    });
    const results = await runExamples(action, {
      values: {
        'steps.cluster.output.clusterId': h.clusterId,
        'steps.database.output.databaseClusterId': h.databaseId,
        'steps.database.output.pool': h.databasePool,
        'steps.monitoring.output.grafanaServiceName':
          'kube-prometheus-stack-grafana',
        'steps.monitoring.output.namespace': 'monitoring',
      },
    });
    expect(results).toHaveLength(1);
    for (const { real, dry } of results) {
      expect(real.outputs).toMatchObject({
        namespace: 'voting',
        voteUrl: 'https://vote.example.com',
        grafanaUrl: 'https://grafana.example.com',
        outcome: 'created',
      });
      expect(real.outputs.objects).toContain('IngressRoute/voting/voting');
      expect(dry.outputs).toEqual({
        ...real.outputs,
        changed: [],
        outcome: 'unchanged',
      });
    }
    const vote: any = await h.cluster.admin.get(
      'apps/v1',
      'Deployment',
      'vote',
      'voting',
    );
    expect(vote.status.readyReplicas).toBe(2);
  });
});
