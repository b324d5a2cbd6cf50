import { runExamples } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@voting-platform/plugin-kubernetes-node/testUtils';
import {
  helmTestConfig,
  TEST_REPOSITORY,
  useHelmCluster,
} from '../__testUtils__/helm';
import { createKubernetesHelmReleaseEnsureAction } from './helmReleaseEnsure';

jest.setTimeout(180_000);

describe('kubernetes:helm-release:ensure examples', () => {
  const h = useHelmCluster();
  // the examples' own chart repository: the presets' stand-ins, and the probe chart as "redis 1.2.3"
  const repository = mkdtempSync(join(tmpdir(), 'helm-examples-'));
  afterAll(() => rmSync(repository, { recursive: true, force: true }));

  it('run on a local control plane behind the emulated cluster: every release deployed, and a dry run after it finds each unchanged', async () => {
    cpSync(join(repoRoot, 'test/k8s/charts/probe'), join(repository, 'redis'), {
      recursive: true,
    });
    const chartFile = join(repository, 'redis', 'Chart.yaml');
    writeFileSync(
      chartFile,
      readFileSync(chartFile, 'utf8')
        .replace(/^name: .*$/m, 'name: redis')
        .replace(/^version: .*$/m, 'version: 1.2.3'),
    );
    const helm = helmTestConfig();
    const action = createKubernetesHelmReleaseEnsureAction({
      config: h.config({
        ...helm,
        localChartRepositories: [
          ...helm.localChartRepositories.filter(r => r.url !== TEST_REPOSITORY),
          { url: TEST_REPOSITORY, directory: repository },
        ],
      }),
    });
    const results = await runExamples(action, {
      values: { 'steps.cluster.output.clusterId': h.clusterId },
    });
    expect(results.map(r => r.real.outputs.releaseName)).toEqual([
      'kube-prometheus-stack',
      'traefik',
      'redis',
    ]);
    for (const { real, dry } of results) {
      expect(real.outputs).toMatchObject({
        status: 'deployed',
        outcome: 'created',
      });
      expect(dry.outputs).toEqual({ ...real.outputs, outcome: 'unchanged' });
      expect(dry.logs.filter(line => !/^\w+ Dry run: /.test(line))).toEqual([]);
    }
    expect(results[1]!.real.outputs.loadBalancerAddress).toMatch(
      /^127\.0\.0\./,
    );
  });
});
