import { runAction } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_REPOSITORY, useHelmCluster } from '../__testUtils__/helm';
import { createKubernetesHelmReleaseDeleteAction } from './helmReleaseDelete';
import { createKubernetesHelmReleaseEnsureAction } from './helmReleaseEnsure';

jest.setTimeout(120_000);

describe('kubernetes:helm-release:delete against a local control plane', () => {
  const h = useHelmCluster();
  // a temp dir of this file's own, so other processes' temp files cannot disturb the checks
  const tempDir = mkdtempSync(join(tmpdir(), 'helm-delete-test-'));
  afterAll(() => rmSync(tempDir, { recursive: true, force: true }));
  const action = () =>
    createKubernetesHelmReleaseDeleteAction({ config: h.config(), tempDir });
  /** The set-up: a release of the probe chart, installed as the create template would. */
  const install = (releaseName: string) =>
    runAction(
      createKubernetesHelmReleaseEnsureAction({ config: h.config(), tempDir }),
      {
        clusterId: h.clusterId,
        chart: 'probe',
        repositoryUrl: TEST_REPOSITORY,
        version: '0.1.0',
        releaseName,
        namespace: 'gone',
        timeoutSeconds: 60,
      },
    );
  const configMap = (releaseName: string) =>
    h.cluster.admin.get('v1', 'ConfigMap', `${releaseName}-probe`, 'gone');

  it('uninstalls the release, found through the cluster name, and a second run has nothing to delete', async () => {
    await install('web');
    expect(await configMap('web')).toBeDefined();
    const first = await runAction(action(), {
      clusterName: 'helm',
      releaseName: 'web',
      namespace: 'gone',
    });
    expect(first.outputs).toEqual({
      releaseName: 'web',
      namespace: 'gone',
      outcome: 'deleted',
    });
    expect(first.logs.join('\n')).toMatch(
      /Deleted Helm release gone\/web \(chart probe-0\.1\.0, revision 1\) from cluster "helm"/,
    );
    expect(first.logs.join('\n')).toContain(
      'The CustomResourceDefinitions the chart installed stay',
    );
    expect(await configMap('web')).toBeUndefined();
    expect(
      await h.cluster.admin.get('apps/v1', 'Deployment', 'web-probe', 'gone'),
    ).toBeUndefined();
    expect(readdirSync(tempDir)).toEqual([]);

    const second = await runAction(action(), {
      clusterId: h.clusterId,
      releaseName: 'web',
      namespace: 'gone',
    });
    expect(second.outputs.outcome).toBe('absent');
    expect(second.logs.join('\n')).toContain(
      'No Helm release gone/web in cluster',
    );
    expect(JSON.stringify([first, second])).not.toContain(h.cluster.token);
  });

  it('a dry run says what it would uninstall and leaves the release', async () => {
    await install('kept');
    const dry = await runAction(
      action(),
      { clusterId: h.clusterId, releaseName: 'kept', namespace: 'gone' },
      { isDryRun: true },
    );
    expect(dry.outputs.outcome).toBe('would-delete');
    expect(dry.logs.filter(line => !/^\w+ Dry run: /.test(line))).toEqual([]);
    expect(await configMap('kept')).toBeDefined();
  });

  it('has nothing to delete when the cluster does not exist, or takes the preset’s release name and namespace', async () => {
    const gone = await runAction(action(), {
      clusterName: 'no-such-cluster',
      preset: 'traefik',
    });
    expect(gone.outputs).toEqual({
      releaseName: 'traefik',
      namespace: 'traefik',
      outcome: 'absent',
    });
    expect(gone.logs.join('\n')).toContain(
      'No cluster "no-such-cluster": no Helm release traefik/traefik to delete',
    );
  });

  it('rejects input without a cluster or a release', async () => {
    await expect(runAction(action(), { releaseName: 'web' })).rejects.toThrow(
      /clusterId: give clusterId or clusterName/,
    );
    await expect(
      runAction(action(), { clusterId: h.clusterId }),
    ).rejects.toThrow(/releaseName: give a releaseName, or a preset/);
  });
});
