import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import { ManualClock, useSandbox } from '@voting-platform/cloud-sandbox';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startLocalCluster,
  type LocalCluster,
} from '@voting-platform/plugin-kubernetes-node/testUtils';
import {
  helmPath,
  helmTestConfig,
  TEST_REPOSITORY,
} from '../__testUtils__/helm';
import { createHelmInstallAction } from './helmInstall';

jest.setTimeout(120_000);

describe('kubernetes:helm:install against a local control plane', () => {
  const clock = new ManualClock();
  const env = useSandbox(
    { beforeAll, afterAll, afterEach },
    { clock, coverageDir: false },
  );
  let cluster: LocalCluster;
  let clusterId: string;

  beforeAll(async () => {
    cluster = await startLocalCluster();
    const { digitalocean } = env.sandbox;
    const res = await fetch(`${digitalocean.url}/kubernetes/clusters`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${digitalocean.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        name: 'helm',
        region: 'nyc1',
        version: 'latest',
        node_pools: [{ name: 'pool', size: 's-2vcpu-4gb', count: 2 }],
      }),
    });
    clusterId = ((await res.json()) as any).kubernetes_cluster.id;
    clock.advance(10 * 60_000);
    digitalocean.override('kubernetes_get_kubeconfig', () => ({
      status: 200,
      text: cluster.tokenKubeconfig,
      contentType: 'application/yaml',
    }));
  });
  afterAll(() => cluster?.stop());

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
    const push = (level: string) => (message: string) => {
      logs.push(`${level} ${message}`);
    };
    const logger: LoggerService = {
      info: push('info'),
      warn: push('warn'),
      error: push('error'),
      debug: push('debug'),
      child: () => logger,
    };
    const { digitalocean } = env.sandbox;
    const action = createHelmInstallAction({
      config: new ConfigReader({
        digitalocean: { token: digitalocean.token, apiUrl: digitalocean.url },
        kubernetesActions: { helm },
      }),
      tempDir,
    });
    const ctx = {
      ...createMockActionContext({ input: input as any, logger }),
      isDryRun,
    };
    await action.handler(ctx as any);
    const outputs = Object.fromEntries((ctx.output as jest.Mock).mock.calls);
    allOutputs.push(outputs);
    return outputs;
  }
  const helmTempDirs = () => readdirSync(tempDir);
  const probe = (extra: Record<string, unknown> = {}) => ({
    clusterId,
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
    });
    const cm: any = await cluster.admin.get(
      'v1',
      'ConfigMap',
      'web-probe',
      'charts',
    );
    expect(JSON.stringify(cm.data)).toContain('first');
    const d: any = await cluster.admin.get(
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
    expect(outputs).toMatchObject({ revision: 2, status: 'deployed' });
    const cm: any = await cluster.admin.get(
      'v1',
      'ConfigMap',
      'web-probe',
      'charts',
    );
    expect(JSON.stringify(cm.data)).toContain('second');
    const d: any = await cluster.admin.get(
      'apps/v1',
      'Deployment',
      'web-probe',
      'charts',
    );
    deploymentGeneration = d.metadata.generation;
  });

  it('a re-run with the same inputs succeeds and changes no workload', async () => {
    const outputs = await run(
      probe({
        values: { replicas: 2, message: 'first' },
        valuesOverrides: { message: 'second' },
      }),
    );
    expect(outputs).toMatchObject({ revision: 3, status: 'deployed' });
    const d: any = await cluster.admin.get(
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
    ).rejects.toThrow(
      /stuck did not become ready within 8 s; the release was rolled back/,
    );
    expect(helmTempDirs()).toEqual([]);
    // an upgrade that fails goes back to the last good revision
    await expect(
      run(probe({ values: { neverReady: true }, timeoutSeconds: 8 })),
    ).rejects.toThrow(/web did not become ready within 8 s/);
    const d: any = await cluster.admin.get(
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
        clusterId,
        chart: 'traefik',
        repositoryUrl: 'https://charts.example.com',
      }),
    ).rejects.toThrow(/version is required/);
    await expect(
      run({ clusterId, chart: 'traefik', version: '1.0.0' }),
    ).rejects.toThrow(/repositoryUrl is required/);
  });

  it('kube-prometheus-stack preset (on the stand-in chart): Grafana password generated into a Secret, kept on re-run, never in values', async () => {
    const input = {
      clusterId,
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
    });
    const secret: any = await cluster.admin.get(
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
    const again: any = await cluster.admin.get(
      'v1',
      'Secret',
      'grafana-admin',
      'monitoring',
    );
    expect(again.metadata.resourceVersion).toBe(
      secret.metadata.resourceVersion,
    );
    // the release's stored values and manifest hold no password
    const summary: any = await cluster.admin.get(
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
    const releases = await cluster.admin.list(
      'v1',
      'Secret',
      'monitoring',
      'owner=helm',
    );
    expect(releases.length).toBeGreaterThan(0);
    const text = `${logs.join('\n')}\n${JSON.stringify(allOutputs)}`;
    for (const s of [
      password,
      cluster.token,
      ...env.sandbox.digitalocean.secrets(),
    ])
      expect(text).not.toContain(s);
  });

  it('traefik preset (on the stand-in chart): waits for the load balancer address, leaves the ServiceMonitor out without its CRD', async () => {
    // the stand-in kube-prometheus-stack installed above brought the ServiceMonitor CRD; this case
    // is the cluster without it
    await cluster.admin.api(ApiextensionsV1Api).deleteCustomResourceDefinition({
      name: 'servicemonitors.monitoring.coreos.com',
    });
    while (
      await cluster.admin.get(
        'apiextensions.k8s.io/v1',
        'CustomResourceDefinition',
        'servicemonitors.monitoring.coreos.com',
      )
    )
      await new Promise(resolve => setTimeout(resolve, 200));
    const outputs = await run({
      clusterId,
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
    const svc: any = await cluster.admin.get(
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
      await cluster.admin.get(
        'v1',
        'ConfigMap',
        'traefik-servicemonitor',
        'traefik',
      ),
    ).toBeUndefined();
    expect(
      await cluster.admin.get(
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
    ).rejects.toThrow(/is not a chart name: charts come from a repository/);
    await expect(run({ ...probe(), chart: '../probe' })).rejects.toThrow(
      /is not a chart name/,
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

  it('a dry run fetches nothing', async () => {
    const requests = env.sandbox.digitalocean.requests.length;
    const outputs = await run({ clusterId, preset: 'traefik' }, true);
    expect(outputs).toMatchObject({
      releaseName: 'traefik',
      namespace: 'traefik',
      status: 'dry-run',
      chartVersion: '37.0.0',
      serviceName: 'traefik',
      loadBalancerAddress: '',
    });
    expect(env.sandbox.digitalocean.requests.length).toBe(requests);
  });
});
