import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  createDigitalOceanClient,
  getKubeconfig,
} from '@voting-platform/plugin-digitalocean-node';
import {
  checkpointKey,
  describeChange,
  describePlaceholder,
  describeRead,
  dryRunPlaceholders,
  idOrDryRunId,
  ENSURE_OUTCOMES,
  outcomeOf,
  parseInput,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import { isDeepStrictEqual } from 'node:util';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  CHART_NAME,
  chartSource,
  deepMerge,
  HelmError,
  helmSettings,
  PINNED,
  withHelm,
} from '../lib/helm';
import {
  DNS_LABEL,
  DNS_LABEL_MESSAGE,
  KubernetesConnection,
  loadBalancerAddressOf,
  waitForLoadBalancer,
} from '@voting-platform/plugin-kubernetes-node';
import { GRAFANA_SECRET, preset as presetFor, PRESET_NAMES } from '../presets';
import { examples } from './helmReleaseEnsure.examples';

const FIELD_MANAGER = 'backstage-helm-install';

/** @public */
export interface KubernetesHelmReleaseEnsureActionOptions {
  config: Config;
  /** Where the per-run temp dir (kubeconfig, values) is made (default the OS temp dir). */
  tempDir?: string;
  /** traefik preset: how long to wait for the load balancer's address after the install (default: the input's timeoutSeconds). */
  loadBalancerTimeoutMs?: number;
}

/** The Service the Traefik chart makes: Helm's usual full name (the release name when it names the chart). */
const traefikServiceName = (releaseName: string) =>
  releaseName.includes('traefik') ? releaseName : `${releaseName}-traefik`;

/**
 * Grafana's Service in a kube-prometheus-stack release, as the grafana subchart's full name makes
 * it: the release name, followed by `grafana` unless it holds it, cut to 63 characters.
 */
const grafanaServiceName = (releaseName: string) =>
  (releaseName.includes('grafana') ? releaseName : `${releaseName}-grafana`)
    .slice(0, 63)
    .replace(/-$/, '');

const input = {
  clusterId: (z: Zod) =>
    idOrDryRunId(z, z.string().min(1)).describe(
      'DigitalOcean Kubernetes cluster id (its kubeconfig is fetched inside the action)',
    ),
  preset: (z: Zod) =>
    z
      .enum(PRESET_NAMES)
      .optional()
      .describe(
        'traefik or kube-prometheus-stack: chart, repository, version, namespace and values (repository and version from kubernetesActions.helm.presets when configured); the inputs below override them',
      ),
  chart: (z: Zod) =>
    z
      .string()
      .regex(
        CHART_NAME,
        'must be a chart name (charts come from a repository, never from a path)',
      )
      .optional()
      .describe('Chart name in the repository (required without a preset)'),
  repositoryUrl: (z: Zod) =>
    z
      .string()
      .url()
      .optional()
      .describe(
        "Chart repository URL (https://, or oci://registry/path); it must be in kubernetesActions.helm.allowedRepositories (default: the presets' repositories). Required with chart",
      ),
  version: (z: Zod) =>
    z
      .string()
      .regex(PINNED, 'must be an exact chart version such as 1.2.3 (no ranges)')
      .optional()
      .describe('Pinned chart version (required without a preset)'),
  releaseName: (z: Zod) =>
    z
      .string()
      .max(53)
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .optional()
      .describe("Release name (default: the preset's, or the chart name)"),
  namespace: (z: Zod) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .optional()
      .describe(
        "Namespace, created when missing (default: the preset's, or default)",
      ),
  values: (z: Zod) =>
    z
      .record(z.string(), z.unknown())
      .default({})
      .describe("Values (merged over the preset's)"),
  valuesOverrides: (z: Zod) =>
    z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Values merged last, over everything else'),
  wait: (z: Zod) =>
    z
      .boolean()
      .default(true)
      .describe('Wait until every resource is ready, roll back on failure'),
  timeoutSeconds: (z: Zod) =>
    z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(300)
      .describe('How long to wait, in seconds'),
  loadBalancerName: (z: Zod) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .optional()
      .describe('traefik preset: name of the DigitalOcean load balancer'),
  loadBalancerHostname: (z: Zod) =>
    z
      .string()
      .optional()
      .describe('traefik preset: host name for the load balancer'),
  prometheusRelease: (z: Zod) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .optional()
      .describe('traefik preset: release label its ServiceMonitor carries'),
};

/** A release as `helm list --output json` shows it. */
interface ListedRelease {
  name: string;
  revision: string;
  status: string;
  chart: string;
  app_version: string;
}

/**
 * `kubernetes:helm-release:ensure`: upgrade-or-install of a pinned chart on a DOKS cluster
 * (kubeconfig fetched from DigitalOcean inside the action, written to a 0600 temp file removed
 * afterwards), with --wait and rollback on failure; a release already deployed with the same chart
 * version and values is left as it is. Presets for Traefik and kube-prometheus-stack.
 *
 * @public
 */
export function createKubernetesHelmReleaseEnsureAction(
  options: KubernetesHelmReleaseEnsureActionOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'kubernetes:helm-release:ensure',
    description:
      'Makes a Helm release of a pinned chart exist on a DigitalOcean Kubernetes cluster as declared: installs or upgrades it (helm upgrade --install, waits until ready, rolls back on failure), or leaves it when it is already deployed with that chart version and those values. Outputs the release status. Presets: traefik, kube-prometheus-stack.',
    supportsDryRun: true,
    examples,
    schema: {
      input,
      output: {
        releaseName: z => z.string(),
        namespace: z => z.string(),
        revision: z =>
          z
            .number()
            .describe(
              'Release revision (in a dry run: the one a real run would leave)',
            ),
        status: z => z.string().describe('Release status, e.g. deployed'),
        chartVersion: z => z.string(),
        appVersion: z =>
          z
            .string()
            .describe(
              "The chart's app version (empty in a dry run of a change)",
            ),
        grafanaSecretName: z =>
          z
            .string()
            .optional()
            .describe(
              'kube-prometheus-stack: Secret with the Grafana admin user and password',
            ),
        grafanaServiceName: z =>
          z
            .string()
            .optional()
            .describe(
              "kube-prometheus-stack: Grafana's Service (in namespace), port 80",
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
              "traefik preset: the load balancer's IP or host name, once it has one (for the DNS records; in a dry run, the one it has now, or empty)",
            ),
        outcome: z => z.enum(ENSURE_OUTCOMES),
      },
    },
    async handler(ctx) {
      const i = parseInput(input, ctx.input, (value, check) => {
        const missing = (field: string, message: string) =>
          check.addIssue({ code: 'custom', path: [field], message });
        if (!value.preset && !value.chart)
          missing('chart', 'give a chart, or a preset');
        if (value.chart && !value.repositoryUrl)
          missing('repositoryUrl', 'required with chart');
        if (value.chart && !value.version)
          missing(
            'version',
            'required with chart: charts are installed at a pinned version',
          );
      });
      const settings = helmSettings(options.config);
      const presetOptions = {
        loadBalancerName: i.loadBalancerName,
        loadBalancerHostname: i.loadBalancerHostname,
        prometheusRelease: i.prometheusRelease,
      };
      const p = i.preset
        ? {
            ...presetFor(i.preset, presetOptions),
            ...settings.presets[i.preset],
          }
        : undefined;
      // parseInput checked that a chart comes with its repository and version, else a preset
      const chart = i.chart ?? p!.chart;
      const version = i.version ?? p!.version;
      const repositoryUrl = i.repositoryUrl ?? p!.repositoryUrl;
      const source = chartSource(settings, chart, repositoryUrl);
      const releaseName = i.releaseName ?? p?.releaseName ?? chart;
      if (!DNS_LABEL.test(releaseName))
        throw new InputError(
          `releaseName: ${releaseName} (the chart name) is not a DNS label: give a releaseName`,
        );
      const namespace = i.namespace ?? p?.namespace ?? 'default';
      const release = `Helm release ${namespace}/${releaseName}`;
      const what = `${chart} ${version} from ${repositoryUrl}`;

      if (
        dryRunPlaceholders(ctx.isDryRun, { clusterId: i.clusterId }).has(
          'clusterId',
        )
      ) {
        // the cluster does not exist yet: a real run would install the release into it
        ctx.logger.info(
          describeChange(
            true,
            'create',
            `${release}: ${what}, in ${describePlaceholder(
              'Kubernetes cluster',
              i.clusterId,
            )}`,
          ),
        );
        ctx.output('releaseName', releaseName);
        ctx.output('namespace', namespace);
        ctx.output('revision', 1);
        ctx.output('status', 'deployed');
        ctx.output('chartVersion', version);
        ctx.output('appVersion', '');
        if (i.preset === 'kube-prometheus-stack') {
          ctx.output('grafanaSecretName', GRAFANA_SECRET);
          ctx.output('grafanaServiceName', grafanaServiceName(releaseName));
        }
        if (i.preset === 'traefik') {
          ctx.output('serviceName', traefikServiceName(releaseName));
          ctx.output('loadBalancerAddress', '');
        }
        ctx.output('outcome', outcomeOf(true, 'create'));
        return;
      }

      const kubeconfig = await getKubeconfig(
        createDigitalOceanClient({ config: options.config }, ctx),
        i.clusterId,
      );
      const client = KubernetesConnection.fromKubeconfig(kubeconfig, {
        signal: ctx.signal,
      });
      // what Helm's errors must not show besides the kubeconfig's tokens (withHelm hides those)
      const secrets: string[] = [];

      let presetValues = p?.values ?? {};
      if (i.preset === 'traefik') {
        const monitors = await client.served(
          'monitoring.coreos.com/v1',
          'ServiceMonitor',
        );
        if (!monitors)
          ctx.logger.warn(
            describeRead(
              ctx.isDryRun,
              "no ServiceMonitor CRD in the cluster (install kube-prometheus-stack first): Traefik's ServiceMonitor is left out, its metrics endpoint stays on",
            ),
          );
        presetValues = presetFor('traefik', {
          ...presetOptions,
          serviceMonitors: monitors,
        }).values;
      }
      if (i.preset === 'kube-prometheus-stack') {
        // Grafana's admin password: generated once, kept in a Secret, never in values or logs
        const grafana = `Secret ${namespace}/${GRAFANA_SECRET} with Grafana's admin credentials`;
        if (ctx.isDryRun) {
          const existing = await client.get(
            'v1',
            'Secret',
            GRAFANA_SECRET,
            namespace,
          );
          ctx.logger.info(
            describeChange(true, existing ? 'reuse' : 'create', grafana),
          );
        } else {
          await ctx.checkpoint({
            key: checkpointKey('grafana-secret', 'read', namespace),
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
                ? Buffer.from(
                    existing.data['admin-password'],
                    'base64',
                  ).toString('utf8')
                : randomBytes(24).toString('base64url');
              secrets.push(password);
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
                describeChange(false, existing ? 'reuse' : 'create', grafana),
              );
              return GRAFANA_SECRET;
            },
          });
        }
      }
      const values = deepMerge(
        deepMerge(presetValues, i.values),
        i.valuesOverrides,
      );

      await withHelm(
        {
          binary: settings.binary,
          kubeconfig,
          tempDir: options.tempDir,
          signal: ctx.signal,
          secrets,
        },
        async (helm, dir) => {
          const valuesPath = join(dir, 'values.yaml');
          await writeFile(valuesPath, stringify(values), { mode: 0o600 });

          if (source.local) {
            const shown = await helm(`helm show chart ${chart} failed`, [
              'show',
              'chart',
              source.chartRef,
            ]);
            const actual = String(parse(shown)?.version ?? '');
            if (actual.replace(/^v/, '') !== version.replace(/^v/, ''))
              throw new InputError(
                `chart ${chart} is version ${actual}, not the pinned ${version}`,
              );
          }

          // helm list has the chart version and app version that helm status --output json leaves out
          const listRelease = async () =>
            (
              JSON.parse(
                await helm('helm list failed', [
                  'list',
                  '--namespace',
                  namespace,
                  '--filter',
                  `^${releaseName}$`,
                  '--output',
                  'json',
                ]),
              ) as ListedRelease[]
            ).find(r => r.name === releaseName);
          const chartVersionOf = (r: ListedRelease) =>
            r.chart.slice(chart.length + 1);
          const existing = await listRelease();
          // the values Helm keeps for the release: `null` when it was installed without any
          const storedValues = async () =>
            JSON.parse(
              await helm('helm get values failed', [
                'get',
                'values',
                releaseName,
                '--namespace',
                namespace,
                '--output',
                'json',
              ]),
            ) ?? {};
          const unchanged =
            existing?.status === 'deployed' &&
            chartVersionOf(existing).replace(/^v/, '') ===
              version.replace(/^v/, '') &&
            isDeepStrictEqual(
              await storedValues(),
              JSON.parse(JSON.stringify(values)),
            );
          const change = existing ? 'update' : 'create';

          let result: ListedRelease;
          if (unchanged) {
            result = existing;
            ctx.logger.info(
              describeRead(
                ctx.isDryRun,
                `${release} is deployed with ${what} and these values: unchanged`,
              ),
            );
          } else if (ctx.isDryRun) {
            result = {
              name: releaseName,
              revision: String(Number(existing?.revision ?? 0) + 1),
              status: 'deployed',
              chart: `${chart}-${version}`,
              app_version: '',
            };
            ctx.logger.info(
              describeChange(true, change, `${release}: ${what}`),
            );
          } else {
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
              `${i.timeoutSeconds}s`,
              '--output',
              'json',
            ];
            if (source.repo) args.push('--repo', source.repo);
            if (i.wait) args.push('--wait=watcher', '--rollback-on-failure');
            await ctx.checkpoint({
              key: checkpointKey(
                'helm-release',
                'upgrade',
                namespace,
                releaseName,
              ),
              fn: async () => {
                ctx.logger.info(
                  `helm upgrade --install ${releaseName}: ${what}${
                    i.wait ? `, waiting up to ${i.timeoutSeconds} s` : ''
                  }`,
                );
                await helm(
                  stderr =>
                    /deadline|timed out|timeout|not ready|context canceled/i.test(
                      stderr,
                    )
                      ? `${releaseName} did not become ready within ${i.timeoutSeconds} s; the release was rolled back. Helm said`
                      : `helm upgrade --install ${releaseName} failed`,
                  args,
                );
                return true;
              },
            });
            const listed = await listRelease();
            if (!listed)
              throw new HelmError(`${release} not found after the install`);
            result = listed;
            ctx.logger.info(
              describeChange(
                false,
                change,
                `${release}: revision ${listed.revision}, ${listed.status}, chart ${listed.chart}, app ${listed.app_version}`,
              ),
            );
          }
          ctx.output('releaseName', releaseName);
          ctx.output('namespace', namespace);
          ctx.output('revision', Number(result.revision));
          ctx.output('status', result.status);
          ctx.output('chartVersion', chartVersionOf(result));
          ctx.output('appVersion', result.app_version ?? '');
          if (i.preset === 'kube-prometheus-stack') {
            ctx.output('grafanaSecretName', GRAFANA_SECRET);
            ctx.output('grafanaServiceName', grafanaServiceName(releaseName));
          }
          if (i.preset === 'traefik') {
            // the step that makes the load balancer hands its address on (to DNS), once it has one
            const serviceName = traefikServiceName(releaseName);
            // a dry run waits for nothing: the address the Service has now, if any
            const address = ctx.isDryRun
              ? loadBalancerAddressOf(
                  await client.get<any>(
                    'v1',
                    'Service',
                    serviceName,
                    namespace,
                  ),
                )
              : await waitForLoadBalancer(
                  client,
                  namespace,
                  serviceName,
                  ctx.logger,
                  options.loadBalancerTimeoutMs ?? i.timeoutSeconds * 1000,
                  ctx.signal,
                );
            if (address)
              ctx.logger.info(
                describeRead(
                  ctx.isDryRun,
                  `Traefik's load balancer: ${address}`,
                ),
              );
            ctx.output('serviceName', serviceName);
            ctx.output('loadBalancerAddress', address);
          }
          ctx.output(
            'outcome',
            unchanged ? 'unchanged' : outcomeOf(ctx.isDryRun, change),
          );
        },
      );
    },
  });
}
