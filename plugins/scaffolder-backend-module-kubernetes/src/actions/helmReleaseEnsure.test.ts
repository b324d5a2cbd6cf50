import { ApiextensionsV1Api } from '@kubernetes/client-node';
import { waitUntil } from '@voting-platform/timing';
import { runAction } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import {
  chmodSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  helmPath,
  helmTestConfig,
  standInCharts,
  TEST_REPOSITORY,
  useHelmCluster,
} from '../__testUtils__/helm';
import { createKubernetesHelmReleaseEnsureAction } from './helmReleaseEnsure';

jest.setTimeout(120_000);

describe('kubernetes:helm-release:ensure against a local control plane', () => {
  const h = useHelmCluster();
  const env = h.env;

  // a temp dir of this file's own, so other processes' temp files cannot disturb the checks
  const tempDir = mkdtempSync(join(tmpdir(), 'helm-install-test-'));
  afterAll(() => rmSync(tempDir, { recursive: true, force: true }));
  const logs: string[] = [];
  const allOutputs: unknown[] = [];
  async function run(
    input: Record<string, unknown>,
    isDryRun = false,
    helm: object = helmTestConfig(),
  ) {
    const action = createKubernetesHelmReleaseEnsureAction({
      config: h.config(helm),
      tempDir,
    });
    try {
      const result = await runAction(action, input, { isDryRun });
      logs.push(...result.logs);
      allOutputs.push(result.outputs);
      return result.outputs;
    } catch (err) {
      logs.push(...((err as { logs?: string[] }).logs ?? []));
      allOutputs.push(String(err));
      throw err;
    }
  }
  const helmTempDirs = () => readdirSync(tempDir);
  const probe = (extra: Record<string, unknown> = {}) => ({
    clusterId: h.clusterId,
    chart: 'probe',
    repositoryUrl: TEST_REPOSITORY,
    version: '0.1.0',
    releaseName: 'web',
    namespace: 'charts',
    timeoutSeconds: 60,
    ...extra,
  });

  let deploymentGeneration = 0;
  it('installs the chart, waits, outputs the release status and removes its temp files', async () => {
    const outputs = await run(
      probe({ values: { replicas: 2, message: 'first' } }),
    );
    expect(outputs).toMatchObject({
      releaseName: 'web',
      namespace: 'charts',
      revision: 1,
      status: 'deployed',
      chartVersion: '0.1.0',
      appVersion: '1.0.0',
      outcome: 'created',
    });
    const cm: any = await h.cluster.admin.get(
      'v1',
      'ConfigMap',
      'web-probe',
      'charts',
    );
    expect(JSON.stringify(cm.data)).toContain('first');
    const d: any = await h.cluster.admin.get(
      'apps/v1',
      'Deployment',
      'web-probe',
      'charts',
    );
    expect(d.status.readyReplicas).toBe(2);
    deploymentGeneration = d.metadata.generation;
    expect(helmTempDirs()).toEqual([]);
  });

  it('upgrades with values overrides merged last', async () => {
    const outputs = await run(
      probe({
        values: { replicas: 2, message: 'first' },
        valuesOverrides: { message: 'second' },
      }),
    );
    expect(outputs).toMatchObject({
      revision: 2,
      status: 'deployed',
      outcome: 'updated',
    });
    const cm: any = await h.cluster.admin.get(
      'v1',
      'ConfigMap',
      'web-probe',
      'charts',
    );
    expect(JSON.stringify(cm.data)).toContain('second');
    const d: any = await h.cluster.admin.get(
      'apps/v1',
      'Deployment',
      'web-probe',
      'charts',
    );
    deploymentGeneration = d.metadata.generation;
  });

  it('a re-run with the same inputs leaves the release as it is (no new revision), and a dry run says so first', async () => {
    const input = probe({
      values: { replicas: 2, message: 'first' },
      valuesOverrides: { message: 'second' },
    });
    const dry = await run(input, true);
    const outputs = await run(input);
    expect(outputs).toEqual({
      releaseName: 'web',
      namespace: 'charts',
      revision: 2,
      status: 'deployed',
      chartVersion: '0.1.0',
      appVersion: '1.0.0',
      outcome: 'unchanged',
    });
    expect(dry).toEqual(outputs);
    expect(logs.join('\n')).toContain(
      'Dry run: Helm release charts/web is deployed with probe 0.1.0',
    );
    const d: any = await h.cluster.admin.get(
      'apps/v1',
      'Deployment',
      'web-probe',
      'charts',
    );
    expect(d.metadata.generation).toBe(deploymentGeneration);
  });

  it('fails with a clear error after the timeout when a pod never becomes ready, and rolls back', async () => {
    await expect(
      run(
        probe({
          releaseName: 'stuck',
          values: { neverReady: true },
          timeoutSeconds: 8,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'HelmError',
      message: expect.stringMatching(
        /stuck did not become ready within 8 s; the release was rolled back/,
      ),
    });
    expect(helmTempDirs()).toEqual([]);
    // an upgrade that fails goes back to the last good revision
    await expect(
      run(probe({ values: { neverReady: true }, timeoutSeconds: 8 })),
    ).rejects.toThrow(/web did not become ready within 8 s/);
    const d: any = await h.cluster.admin.get(
      'apps/v1',
      'Deployment',
      'web-probe',
      'charts',
    );
    expect(d.spec.template.spec.nodeSelector).toBeUndefined();
  });

  it('refuses a chart whose version is not the pinned one, and version ranges', async () => {
    await expect(run(probe({ version: '9.9.9' }))).rejects.toThrow(
      /is version 0.1.0, not the pinned 9.9.9/,
    );
    await expect(
      run({
        clusterId: h.clusterId,
        chart: 'traefik',
        repositoryUrl: 'https://charts.example.com',
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/version: required with chart/),
    });
    await expect(
      run({ clusterId: h.clusterId, chart: 'traefik', version: '1.0.0' }),
    ).rejects.toThrow(/repositoryUrl: required with chart/);
    await expect(
      run({ clusterId: h.clusterId, version: '1.0.0' }),
    ).rejects.toThrow(/chart: give a chart, or a preset/);
    await expect(run(probe({ version: '^1.0.0' }))).rejects.toThrow(
      /version: must be an exact chart version/,
    );
  });

  it('kube-prometheus-stack preset (on the stand-in chart): Grafana password generated into a Secret, kept on re-run, never in values', async () => {
    const input = {
      clusterId: h.clusterId,
      preset: 'kube-prometheus-stack',
      timeoutSeconds: 60,
    };
    const outputs = await run(input);
    expect(outputs).toMatchObject({
      releaseName: 'kube-prometheus-stack',
      namespace: 'monitoring',
      status: 'deployed',
      chartVersion: '77.0.0',
      grafanaSecretName: 'grafana-admin',
      grafanaServiceName: 'kube-prometheus-stack-grafana',
      outcome: 'created',
    });
    // the Service the output names is the one the release made (the deploy step routes to it)
    const grafana: any = await h.cluster.admin.get(
      'v1',
      'Service',
      outputs.grafanaServiceName,
      'monitoring',
    );
    expect(grafana.spec.ports).toContainEqual(
      expect.objectContaining({ port: 80 }),
    );
    const secret: any = await h.cluster.admin.get(
      'v1',
      'Secret',
      'grafana-admin',
      'monitoring',
    );
    const password = Buffer.from(
      secret.data['admin-password'],
      'base64',
    ).toString();
    expect(password.length).toBeGreaterThanOrEqual(24);
    await run(input);
    const again: any = await h.cluster.admin.get(
      'v1',
      'Secret',
      'grafana-admin',
      'monitoring',
    );
    expect(again.metadata.resourceVersion).toBe(
      secret.metadata.resourceVersion,
    );
    // the release's stored values and manifest hold no password
    const summary: any = await h.cluster.admin.get(
      'v1',
      'ConfigMap',
      'kube-prometheus-stack-summary',
      'monitoring',
    );
    expect(summary.data).toMatchObject({
      grafanaAdminSecret: 'grafana-admin',
      nodeExporter: 'true',
      dashboardLabel: 'grafana_dashboard=1',
    });
    expect(JSON.stringify(summary)).not.toContain(password);
    const releases = await h.cluster.admin.list(
      'v1',
      'Secret',
      'monitoring',
      'owner=helm',
    );
    expect(releases.length).toBeGreaterThan(0);
    const text = `${logs.join('\n')}\n${JSON.stringify(allOutputs)}`;
    for (const s of [
      password,
      h.cluster.token,
      ...env.sandbox.digitalocean.secrets(),
    ])
      expect(text).not.toContain(s);
  });

  it('traefik preset (on the stand-in chart): waits for the load balancer address, leaves the ServiceMonitor out without its CRD', async () => {
    // the stand-in kube-prometheus-stack installed above brought the ServiceMonitor CRD; this case
    // is the cluster without it
    const crd = 'servicemonitors.monitoring.coreos.com';
    await h.cluster.admin
      .api(ApiextensionsV1Api)
      .deleteCustomResourceDefinition({ name: crd });
    await waitUntil(
      async () =>
        (await h.cluster.admin.get(
          'apiextensions.k8s.io/v1',
          'CustomResourceDefinition',
          crd,
        ))
          ? undefined
          : true,
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        timeoutMessage: () => `the ${crd} CRD is still there after 30 s`,
      },
    );
    const outputs = await run({
      clusterId: h.clusterId,
      preset: 'traefik',
      loadBalancerName: 'voting-lb',
      timeoutSeconds: 60,
    });
    expect(outputs).toMatchObject({
      releaseName: 'traefik',
      namespace: 'traefik',
      status: 'deployed',
      chartVersion: '37.0.0',
      serviceName: 'traefik',
    });
    // the step outputs the address the DNS steps need
    expect(outputs.loadBalancerAddress).toMatch(/^127\.0\.0\./);
    const svc: any = await h.cluster.admin.get(
      'v1',
      'Service',
      'traefik',
      'traefik',
    );
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(
      svc.metadata.annotations[
        'service.beta.kubernetes.io/do-loadbalancer-name'
      ],
    ).toBe('voting-lb');
    expect(svc.status.loadBalancer.ingress[0].ip).toMatch(/^127\.0\.0\./);
    expect(
      await h.cluster.admin.get(
        'v1',
        'ConfigMap',
        'traefik-servicemonitor',
        'traefik',
      ),
    ).toBeUndefined();
    expect(
      await h.cluster.admin.get(
        'v1',
        'ConfigMap',
        'traefik-dashboard-exposed',
        'traefik',
      ),
    ).toBeUndefined();
    expect(logs.join('\n')).toMatch(/no ServiceMonitor CRD.*left out/);
  });

  it('hands Helm the kubeconfig as a 0600 file in a 0700 dir (a wrapper records it, then runs the real Helm)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helm-wrapper-'));
    try {
      const record = join(dir, 'modes');
      const wrapper = join(dir, 'helm');
      writeFileSync(
        wrapper,
        `#!/bin/sh\nstat -c '%a %n' "$KUBECONFIG" "$(dirname "$KUBECONFIG")" >> ${record}\nexec ${helmPath()} "$@"\n`,
      );
      chmodSync(wrapper, 0o755);
      await run(probe(), false, helmTestConfig(wrapper));
      const modes = readFileSync(record, 'utf8').trim().split('\n');
      expect(modes.length).toBeGreaterThan(0);
      for (const line of modes)
        expect(line).toMatch(/^(600 .*\/kubeconfig|700 .*helm-task-[^/]+)$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes charts only by name from an allowed repository: no paths, no other repositories, before any request', async () => {
    const requests = env.sandbox.digitalocean.requests.length;
    const local = helmTestConfig().localChartRepositories[2]!.directory;
    await expect(
      run({ ...probe(), chart: join(local, 'probe') }),
    ).rejects.toThrow(
      /chart: must be a chart name \(charts come from a repository, never from a path\)/,
    );
    await expect(run({ ...probe(), chart: '../probe' })).rejects.toThrow(
      /chart: must be a chart name/,
    );
    await expect(
      run({
        ...probe(),
        repositoryUrl: 'https://charts.elsewhere.example.net',
      }),
    ).rejects.toThrow(
      /chart repository https:\/\/charts.elsewhere.example.net is not allowed: add it to kubernetesActions.helm.allowedRepositories/,
    );
    await expect(
      run({ ...probe(), repositoryUrl: 'file:///etc' }),
    ).rejects.toThrow(/must be an http\(s\) or oci URL/);
    // without configuration, only the presets' repositories are allowed
    await expect(run(probe(), false, { binary: helmPath() })).rejects.toThrow(
      /https:\/\/charts.example.com is not allowed/,
    );
    expect(env.sandbox.digitalocean.requests.length).toBe(requests);
  });

  it('a dry run reads the release and says what would change, changing nothing, with the keys of a real run', async () => {
    const before: any = await h.cluster.admin.get(
      'v1',
      'Service',
      'traefik',
      'traefik',
    );
    const update = await run(
      { clusterId: h.clusterId, preset: 'traefik', loadBalancerName: 'other' },
      true,
    );
    expect(update).toEqual({
      releaseName: 'traefik',
      namespace: 'traefik',
      revision: 2,
      status: 'deployed',
      chartVersion: '37.0.0',
      appVersion: '',
      serviceName: 'traefik',
      // the address the Service has: the update keeps it
      loadBalancerAddress: before.status.loadBalancer.ingress[0].ip,
      outcome: 'would-update',
    });
    const after: any = await h.cluster.admin.get(
      'v1',
      'Service',
      'traefik',
      'traefik',
    );
    expect(after.metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
    const create = await run(probe({ releaseName: 'not-yet' }), true);
    expect(create).toMatchObject({
      releaseName: 'not-yet',
      revision: 1,
      outcome: 'would-create',
    });
    expect(
      await h.cluster.admin.list('v1', 'Secret', 'charts', 'name=not-yet'),
    ).toEqual([]);
    expect(helmTempDirs()).toEqual([]);
  });

  it("a dry run into a cluster an earlier step's dry run would create reads nothing, with the keys of a real run; a real run refuses the placeholder", async () => {
    const requests = env.sandbox.digitalocean.requests.length;
    const clusterId = 'dry-run-kubernetes-new-env';
    const dry = await run(
      { preset: 'traefik', clusterId, loadBalancerName: 'new-env-lb' },
      true,
    );
    expect(env.sandbox.digitalocean.requests.length).toBe(requests);
    expect(dry).toMatchObject({
      releaseName: 'traefik',
      namespace: 'traefik',
      revision: 1,
      status: 'deployed',
      serviceName: 'traefik',
      loadBalancerAddress: '',
      outcome: 'would-create',
    });
    expect(logs.at(-1)).toMatch(
      /^info Dry run: would create Helm release traefik\/traefik: traefik \S+ from \S+, in the Kubernetes cluster that an earlier step would create \(dry-run-kubernetes-new-env\)$/,
    );
    await expect(run({ preset: 'traefik', clusterId })).rejects.toThrow(
      /clusterId: dry-run-kubernetes-new-env: a dry run's placeholder/,
    );
  });

  it("a Helm failure is a HelmError that quotes Helm's output without the kubeconfig's token or the task's temp folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helm-leaky-'));
    try {
      // a Helm that fails repeating what it was given: its kubeconfig, by path and content
      const wrapper = join(dir, 'helm');
      writeFileSync(
        wrapper,
        `#!/bin/sh\ncat "$KUBECONFIG" >&2\necho "cannot use $KUBECONFIG" >&2\nexit 1\n`,
      );
      chmodSync(wrapper, 0o755);
      const error = await run(probe(), false, helmTestConfig(wrapper)).catch(
        e => e,
      );
      expect(error).toMatchObject({
        name: 'HelmError',
        message: expect.stringMatching(
          /failed: .*cannot use <task dir>\/kubeconfig/s,
        ),
      });
      // the token was in Helm's output, replaced
      expect(error.message).toMatch(/token: \*\*\*/);
      expect(error.message).not.toContain(h.cluster.token);
      expect(error.message).not.toContain(tempDir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('installs a preset from the repository and version set in kubernetesActions.helm.presets, which needs no allow-listing', async () => {
    // a mirror with a chart the public repository does not have at that version
    const mirror = mkdtempSync(join(tmpdir(), 'helm-mirror-'));
    try {
      cpSync(join(standInCharts, 'traefik'), join(mirror, 'traefik'), {
        recursive: true,
      });
      const chartFile = join(mirror, 'traefik', 'Chart.yaml');
      writeFileSync(
        chartFile,
        readFileSync(chartFile, 'utf8').replace(
          /^version: .*$/m,
          'version: 37.0.1',
        ),
      );
      const url = 'https://mirror.example.com/traefik';
      const helm = helmTestConfig();
      const outputs = await run(
        {
          clusterId: h.clusterId,
          preset: 'traefik',
          releaseName: 'mirrored-traefik',
          namespace: 'mirrored',
          timeoutSeconds: 60,
        },
        false,
        {
          ...helm,
          presets: { traefik: { repository: url, version: '37.0.1' } },
          localChartRepositories: [
            ...helm.localChartRepositories,
            { url, directory: mirror },
          ],
        },
      );
      expect(helm.allowedRepositories).not.toContain(url);
      expect(outputs).toMatchObject({
        releaseName: 'mirrored-traefik',
        chartVersion: '37.0.1',
        outcome: 'created',
      });
      expect(logs.join('\n')).toContain(`traefik 37.0.1 from ${url}`);
    } finally {
      rmSync(mirror, { recursive: true, force: true });
    }
  });
});
