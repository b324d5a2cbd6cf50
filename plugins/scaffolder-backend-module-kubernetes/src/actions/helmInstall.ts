import type { Config } from '@backstage/config';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  createDigitalOceanClient,
  getKubeconfig,
} from '@voting-platform/plugin-digitalocean-node';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  CHART_NAME,
  chartSource,
  deepMerge,
  helmSettings,
  runHelm,
} from '../lib/helm';
import {
  DNS_LABEL,
  DNS_LABEL_MESSAGE,
  KubernetesConnection,
  waitForLoadBalancer,
} from '@voting-platform/plugin-kubernetes-node';
import {
  GRAFANA_SECRET,
  preset as presetFor,
  PRESET_NAMES,
  type PresetName,
} from '../presets';
import { examples } from './helmInstall.examples';

/** A pinned chart version: an exact semantic version, never a range. */
const PINNED = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const FIELD_MANAGER = 'backstage-helm-install';

/** @public */
export interface HelmInstallActionOptions {
  config: Config;
  /** Where the per-run temp dir (kubeconfig, values) is made (default the OS temp dir). */
  tempDir?: string;
  /** traefik preset: how long to wait for the load balancer's address after the install (default 300 s). */
  loadBalancerTimeoutMs?: number;
}

/** The Service the Traefik chart makes: Helm's usual full name (the release name when it names the chart). */
const traefikServiceName = (releaseName: string) =>
  releaseName.includes('traefik') ? releaseName : `${releaseName}-traefik`;

const tail = (text: string, lines = 12) =>
  text.trim().split('\n').slice(-lines).join('\n');

/**
 * `kubernetes:helm:install`: upgrade-or-install of a pinned chart on a DOKS cluster (kubeconfig
 * fetched from DigitalOcean inside the action, written to a 0600 temp file removed afterwards),
 * with --wait and rollback on failure; presets for Traefik and kube-prometheus-stack.
 *
 * @public
 */
export function createHelmInstallAction(options: HelmInstallActionOptions) {
  return createTemplateAction({
    id: 'kubernetes:helm:install',
    description:
      'Installs or upgrades a pinned Helm chart on a DigitalOcean Kubernetes cluster (helm upgrade --install, waits until ready, rolls back on failure) and outputs the release status. Presets: traefik, kube-prometheus-stack.',
    supportsDryRun: true,
    examples,
    schema: {
      input: {
        clusterId: z =>
          z
            .string()
            .min(1)
            .describe(
              'DigitalOcean Kubernetes cluster id (its kubeconfig is fetched inside the action)',
            ),
        preset: z =>
          z
            .enum(PRESET_NAMES)
            .optional()
            .describe(
              'traefik or kube-prometheus-stack: chart, repository, version, namespace and values; the inputs below override them',
            ),
        chart: z =>
          z
            .string()
            .regex(
              CHART_NAME,
              'must be a chart name (charts come from a repository, never from a path)',
            )
            .optional()
            .describe('Chart name in the repository'),
        repositoryUrl: z =>
          z
            .string()
            .url()
            .optional()
            .describe(
              "Chart repository URL (https://, or oci://registry/path); it must be in kubernetesActions.helm.allowedRepositories (default: the presets' repositories)",
            ),
        version: z =>
          z
            .string()
            .regex(
              PINNED,
              'must be an exact chart version such as 1.2.3 (no ranges)',
            )
            .optional()
            .describe('Pinned chart version'),
        releaseName: z =>
          z
            .string()
            .max(53)
            .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
            .optional()
            .describe(
              "Release name (default: the preset's, or the chart name)",
            ),
        namespace: z =>
          z
            .string()
            .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
            .optional()
            .describe('Namespace (created when missing)'),
        values: z =>
          z
            .record(z.string(), z.unknown())
            .optional()
            .describe("Values (merged over the preset's)"),
        valuesOverrides: z =>
          z
            .record(z.string(), z.unknown())
            .optional()
            .describe('Values merged last, over everything else'),
        wait: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Wait until every resource is ready, roll back on failure (default true)',
            ),
        timeoutSeconds: z =>
          z
            .number()
            .int()
            .min(5)
            .max(3600)
            .optional()
            .describe('How long to wait (default 300)'),
        loadBalancerName: z =>
          z
            .string()
            .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
            .optional()
            .describe('traefik preset: name of the DigitalOcean load balancer'),
        loadBalancerHostname: z =>
          z
            .string()
            .optional()
            .describe('traefik preset: host name for the load balancer'),
        prometheusRelease: z =>
          z
            .string()
            .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
            .optional()
            .describe(
              'traefik preset: release label its ServiceMonitor carries',
            ),
      },
      output: {
        releaseName: z => z.string(),
        namespace: z => z.string(),
        revision: z => z.number(),
        status: z => z.string().describe('Release status, e.g. deployed'),
        chartVersion: z => z.string(),
        appVersion: z => z.string(),
        grafanaSecretName: z =>
          z
            .string()
            .optional()
            .describe(
              'kube-prometheus-stack: Secret with the Grafana admin user and password',
            ),
        serviceName: z =>
          z
            .string()
            .optional()
            .describe(
              "traefik preset: Traefik's LoadBalancer Service (in namespace)",
            ),
        loadBalancerAddress: z =>
          z
            .string()
            .optional()
            .describe(
              "traefik preset: the load balancer's IP or host name, once it has one (for the DNS records; empty in a dry run)",
            ),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const p = input.preset
        ? presetFor(input.preset as PresetName, {
            loadBalancerName: input.loadBalancerName,
            loadBalancerHostname: input.loadBalancerHostname,
            prometheusRelease: input.prometheusRelease,
          })
        : undefined;
      const chart = input.chart ?? p?.chart;
      const version = input.version ?? p?.version;
      if (!chart) throw new Error('chart is required (or a preset)');
      if (!version)
        throw new Error(
          'version is required: charts are installed at a pinned version',
        );
      const repositoryUrl =
        input.repositoryUrl ?? (input.chart ? undefined : p?.repositoryUrl);
      if (!repositoryUrl)
        throw new Error(`repositoryUrl is required for chart ${chart}`);
      const settings = helmSettings(options.config);
      const source = chartSource(settings, chart, repositoryUrl);
      const releaseName = input.releaseName ?? p?.releaseName ?? chart;
      if (!DNS_LABEL.test(releaseName))
        throw new Error(`releaseName ${releaseName} is not a DNS label`);
      const namespace = input.namespace ?? p?.namespace ?? 'default';
      const wait = input.wait ?? true;
      const timeoutSeconds = input.timeoutSeconds ?? 300;
      const what = `${chart} from ${repositoryUrl} ${version} as ${namespace}/${releaseName}`;

      if (ctx.isDryRun) {
        ctx.logger.info(
          `dry run: would install or upgrade ${what} on cluster ${input.clusterId}`,
        );
        ctx.output('releaseName', releaseName);
        ctx.output('namespace', namespace);
        ctx.output('revision', 0);
        ctx.output('status', 'dry-run');
        ctx.output('chartVersion', version);
        ctx.output('appVersion', '');
        if (input.preset === 'traefik') {
          ctx.output('serviceName', traefikServiceName(releaseName));
          ctx.output('loadBalancerAddress', '');
        }
        return;
      }

      const helm = settings.binary;
      const kubeconfig = await getKubeconfig(
        createDigitalOceanClient({ config: options.config }, ctx),
        input.clusterId,
      );
      const client = KubernetesConnection.fromKubeconfig(kubeconfig, {
        signal: ctx.signal,
      });
      const secretValues: string[] = [];
      const redact = (text: string) =>
        secretValues.reduce((t, s) => (s ? t.split(s).join('***') : t), text);
      const token = (parse(kubeconfig)?.users ?? [])
        .map((u: any) => u?.user?.token)
        .filter(Boolean);
      secretValues.push(...token);

      let presetValues = p?.values ?? {};
      let grafanaSecretName: string | undefined;
      if (input.preset === 'traefik') {
        const monitors = await client.served(
          'monitoring.coreos.com/v1',
          'ServiceMonitor',
        );
        if (!monitors)
          ctx.logger.warn(
            "no ServiceMonitor CRD in the cluster (install kube-prometheus-stack first): Traefik's ServiceMonitor is left out, its metrics endpoint stays on",
          );
        presetValues = presetFor('traefik', {
          loadBalancerName: input.loadBalancerName,
          loadBalancerHostname: input.loadBalancerHostname,
          prometheusRelease: input.prometheusRelease,
          serviceMonitors: monitors,
        }).values;
      }
      if (input.preset === 'kube-prometheus-stack') {
        // Grafana's admin password: generated once, kept in a Secret, never in values or logs
        grafanaSecretName = GRAFANA_SECRET;
        await ctx.checkpoint({
          key: `grafana-secret-${namespace}`,
          fn: async () => {
            await client.apply(
              {
                apiVersion: 'v1',
                kind: 'Namespace',
                metadata: { name: namespace },
              },
              { fieldManager: FIELD_MANAGER },
            );
            const existing = await client.get<any>(
              'v1',
              'Secret',
              GRAFANA_SECRET,
              namespace,
            );
            const password = existing?.data?.['admin-password']
              ? Buffer.from(existing.data['admin-password'], 'base64').toString(
                  'utf8',
                )
              : randomBytes(24).toString('base64url');
            secretValues.push(password);
            await client.apply(
              {
                apiVersion: 'v1',
                kind: 'Secret',
                metadata: {
                  name: GRAFANA_SECRET,
                  namespace,
                  labels: { 'app.kubernetes.io/managed-by': 'backstage' },
                },
                type: 'Opaque',
                data: {
                  'admin-user': Buffer.from('admin').toString('base64'),
                  'admin-password': Buffer.from(password).toString('base64'),
                },
              },
              { fieldManager: FIELD_MANAGER },
            );
            ctx.logger.info(
              `Grafana admin credentials are in Secret ${namespace}/${GRAFANA_SECRET}${
                existing ? ' (kept)' : ' (generated)'
              }`,
            );
            return GRAFANA_SECRET;
          },
        });
      }
      const values = deepMerge(
        deepMerge(
          presetValues,
          (input.values ?? {}) as Record<string, unknown>,
        ),
        (input.valuesOverrides ?? {}) as Record<string, unknown>,
      );

      const dir = await mkdtemp(
        join(options.tempDir ?? tmpdir(), 'helm-task-'),
      );
      try {
        await chmod(dir, 0o700);
        const kubeconfigPath = join(dir, 'kubeconfig');
        const valuesPath = join(dir, 'values.yaml');
        await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });
        await writeFile(valuesPath, stringify(values), { mode: 0o600 });
        const env = { kubeconfig: kubeconfigPath, home: dir };

        if (source.local) {
          const shown = await runHelm(
            helm,
            ['show', 'chart', source.chartRef],
            env,
            ctx.signal,
          );
          if (shown.code !== 0)
            throw new Error(
              `helm show chart ${chart} failed: ${redact(tail(shown.stderr))}`,
            );
          const actual = String(parse(shown.stdout)?.version ?? '');
          if (actual.replace(/^v/, '') !== version.replace(/^v/, ''))
            throw new Error(
              `chart ${chart} is version ${actual}, not the pinned ${version}`,
            );
        }

        const args = [
          'upgrade',
          '--install',
          releaseName,
          source.chartRef,
          '--version',
          version,
          '--namespace',
          namespace,
          '--create-namespace',
          '--values',
          valuesPath,
          '--history-max',
          '10',
          '--timeout',
          `${timeoutSeconds}s`,
          '--output',
          'json',
        ];
        if (source.repo) args.push('--repo', source.repo);
        if (wait) args.push('--wait=watcher', '--rollback-on-failure');
        const digest = createHash('sha256')
          .update(JSON.stringify([args.slice(0, 10), values, input.clusterId]))
          .digest('hex')
          .slice(0, 16);
        await ctx.checkpoint({
          key: `helm-upgrade-${releaseName}-${digest}`,
          fn: async () => {
            ctx.logger.info(
              `helm upgrade --install ${what}${
                wait ? `, waiting up to ${timeoutSeconds} s` : ''
              }`,
            );
            const started = Date.now();
            const run = await runHelm(helm, args, env, ctx.signal);
            if (run.code !== 0) {
              const why = redact(tail(run.stderr));
              const timedOut =
                /deadline|timed out|timeout|not ready|context canceled/i.test(
                  run.stderr,
                );
              throw new Error(
                timedOut
                  ? `${releaseName} did not become ready within ${timeoutSeconds} s; the release was rolled back. Helm said: ${why}`
                  : `helm upgrade --install ${releaseName} failed: ${why}`,
              );
            }
            ctx.logger.info(
              `helm finished in ${((Date.now() - started) / 1000).toFixed(
                1,
              )} s`,
            );
            return true;
          },
        });

        // helm list has the chart version and app version that helm status --output json leaves out
        const listed = await runHelm(
          helm,
          [
            'list',
            '--namespace',
            namespace,
            '--filter',
            `^${releaseName}$`,
            '--output',
            'json',
          ],
          env,
          ctx.signal,
        );
        if (listed.code !== 0)
          throw new Error(`helm list failed: ${redact(tail(listed.stderr))}`);
        const release = (
          JSON.parse(listed.stdout) as {
            name: string;
            revision: string;
            status: string;
            chart: string;
            app_version: string;
          }[]
        ).find(r => r.name === releaseName);
        if (!release)
          throw new Error(
            `release ${namespace}/${releaseName} not found after the install`,
          );
        const chartVersion = release.chart.slice(
          release.chart.lastIndexOf(
            '-',
            release.chart.length - version.length - 1,
          ) + 1,
        );
        ctx.logger.info(
          `release ${namespace}/${releaseName}: revision ${release.revision}, ${release.status}, chart ${release.chart}, app ${release.app_version}`,
        );
        ctx.output('releaseName', releaseName);
        ctx.output('namespace', namespace);
        ctx.output('revision', Number(release.revision));
        ctx.output('status', release.status);
        ctx.output('chartVersion', chartVersion);
        ctx.output('appVersion', release.app_version ?? '');
        if (grafanaSecretName)
          ctx.output('grafanaSecretName', grafanaSecretName);
        if (input.preset === 'traefik') {
          // the step that makes the load balancer hands its address on (to DNS), once it has one
          const serviceName = traefikServiceName(releaseName);
          const address = await waitForLoadBalancer(
            client,
            namespace,
            serviceName,
            ctx.logger,
            options.loadBalancerTimeoutMs ?? timeoutSeconds * 1000,
          );
          ctx.logger.info(`Traefik's load balancer: ${address}`);
          ctx.output('serviceName', serviceName);
          ctx.output('loadBalancerAddress', address);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  });
}
