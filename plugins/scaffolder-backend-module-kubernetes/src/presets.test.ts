import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { deepMerge } from './lib/helm';
import { helmPath } from './__testUtils__/helm';
import { preset, PRESET_NAMES } from './presets';

/** `helm template` of a stand-in chart (test-charts/, with a values.schema.json) with these values. */
function template(chart: string, values: object) {
  const dir = mkdtempSync(join(tmpdir(), 'preset-'));
  try {
    writeFileSync(join(dir, 'values.yaml'), stringify(values));
    const run = spawnSync(
      helmPath(),
      [
        'template',
        'rel',
        resolve(__dirname, '../test-charts', chart),
        '--values',
        join(dir, 'values.yaml'),
      ],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          HELM_CACHE_HOME: dir,
          HELM_CONFIG_HOME: dir,
          HELM_DATA_HOME: dir,
        },
      },
    );
    return {
      ok: run.status === 0,
      stderr: run.stderr,
      docs:
        run.status === 0
          ? parseAllDocuments(run.stdout).map(d => d.toJS())
          : [],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Helm presets', () => {
  it.each(PRESET_NAMES)('%s pins the chart the stand-in stands for', name => {
    const p = preset(name);
    const chart = parse(
      readFileSync(
        resolve(__dirname, '../test-charts', name, 'Chart.yaml'),
        'utf8',
      ),
    );
    expect(chart.name).toBe(p.chart);
    expect(chart.version).toBe(p.version);
    expect(p.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(p.repositoryUrl).toMatch(/^https:\/\//);
  });

  it('traefik: values pass the schema; LoadBalancer with DigitalOcean annotations, metrics on, dashboard not exposed', () => {
    const p = preset('traefik', {
      loadBalancerName: 'voting-lb',
      loadBalancerHostname: 'lb.example.com',
    });
    const out = template('traefik', p.values);
    expect(out.stderr).toBe('');
    expect(out.ok).toBe(true);
    const svc = out.docs.find(d => d.kind === 'Service');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.metadata.annotations).toMatchObject({
      'service.beta.kubernetes.io/do-loadbalancer-name': 'voting-lb',
      'service.beta.kubernetes.io/do-loadbalancer-hostname': 'lb.example.com',
    });
    expect(
      out.docs.some(d => d.metadata.name === 'rel-dashboard-exposed'),
    ).toBe(false);
    expect(
      out.docs.find(d => d.metadata.name === 'rel-servicemonitor')?.metadata
        .labels,
    ).toEqual({ release: 'kube-prometheus-stack' });
    expect((p.values as any).metrics.prometheus.service.enabled).toBe(true);
    // the voting IngressRoute routes to Grafana in the monitoring namespace
    expect((p.values as any).providers.kubernetesCRD.allowCrossNamespace).toBe(
      true,
    );
  });

  it('kube-prometheus-stack: values pass the schema; node-exporter on, Grafana password from a Secret, dashboards sidecar on every namespace', () => {
    const p = preset('kube-prometheus-stack');
    const out = template('kube-prometheus-stack', p.values);
    expect(out.stderr).toBe('');
    const summary = out.docs.find(d => d.kind === 'ConfigMap').data;
    expect(summary).toEqual({
      nodeExporter: 'true',
      grafanaAdminSecret: 'grafana-admin',
      dashboardLabel: 'grafana_dashboard=1',
      dashboardNamespaces: 'ALL',
      serviceMonitorSelectorNilUsesHelmValues: 'false',
    });
    expect(JSON.stringify(p.values)).not.toMatch(/adminPassword/);
    const grafana = out.docs.find(
      d => d.kind === 'Service' && d.metadata.name === 'rel-grafana',
    );
    expect(grafana?.spec.ports).toContainEqual(
      expect.objectContaining({ name: 'http-web', port: 80 }),
    );
  });

  it('a misspelt key fails the schema check', () => {
    const traefik = template(
      'traefik',
      deepMerge(preset('traefik').values, { servce: { type: 'LoadBalancer' } }),
    );
    expect(traefik.ok).toBe(false);
    expect(traefik.stderr).toMatch(/servce/);
    const kps = template(
      'kube-prometheus-stack',
      deepMerge(preset('kube-prometheus-stack').values, {
        grafana: { sidecar: { dashboard: {} } },
      }),
    );
    expect(kps.ok).toBe(false);
    expect(kps.stderr).toMatch(/dashboard/);
  });
});
