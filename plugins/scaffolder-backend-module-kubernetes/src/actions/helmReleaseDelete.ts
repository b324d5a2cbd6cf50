import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  DELETE_OUTCOMES,
  checkpointKey,
  describeChange,
  describeRead,
  outcomeOf,
  parseInput,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import {
  DNS_LABEL,
  DNS_LABEL_MESSAGE,
} from '@voting-platform/plugin-kubernetes-node';
import {
  clusterInput,
  clusterToRemoveFrom,
  refineClusterInput,
} from '../lib/cluster';
import { helmSettings, withHelm } from '../lib/helm';
import { preset as presetFor, PRESET_NAMES } from '../presets';
import { examples } from './helmReleaseDelete.examples';

/** @public */
export interface KubernetesHelmReleaseDeleteActionOptions {
  config: Config;
  /** Where the per-run temp dir (kubeconfig) is made (default the OS temp dir). */
  tempDir?: string;
}

const input = {
  ...clusterInput,
  preset: (z: Zod) =>
    z
      .enum(PRESET_NAMES)
      .optional()
      .describe(
        "traefik or kube-prometheus-stack: the preset's release name and namespace (the inputs below override them)",
      ),
  releaseName: (z: Zod) =>
    z
      .string()
      .max(53)
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .optional()
      .describe("Release name (default: the preset's)"),
  namespace: (z: Zod) =>
    z
      .string()
      .regex(DNS_LABEL, DNS_LABEL_MESSAGE)
      .optional()
      .describe("Namespace of the release (default: the preset's, or default)"),
  timeoutSeconds: (z: Zod) =>
    z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(300)
      .describe(
        'How long to wait for the release’s resources to go, in seconds',
      ),
};

/**
 * `kubernetes:helm-release:delete`: uninstalls a Helm release from a DOKS cluster (kubeconfig
 * fetched from DigitalOcean inside the action) and waits until its resources are gone. Succeeds
 * when the release, or the cluster, does not exist (any more).
 *
 * @public
 */
export function createKubernetesHelmReleaseDeleteAction(
  options: KubernetesHelmReleaseDeleteActionOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'kubernetes:helm-release:delete',
    description:
      'Uninstalls a Helm release from a DigitalOcean Kubernetes cluster (helm uninstall, waiting until its resources are gone), cluster-scoped resources included; the CRDs a chart installed stay, as Helm never deletes them. Succeeds when the release or the cluster does not exist. Presets: traefik, kube-prometheus-stack.',
    supportsDryRun: true,
    examples,
    schema: {
      input,
      output: {
        releaseName: z => z.string(),
        namespace: z => z.string(),
        outcome: z =>
          z
            .enum(DELETE_OUTCOMES)
            .describe('What this run did, or in a dry run would do'),
      },
    },
    async handler(ctx) {
      const i = parseInput(input, ctx.input, refineClusterInput);
      const p = i.preset ? presetFor(i.preset) : undefined;
      const releaseName = i.releaseName ?? p?.releaseName;
      if (!releaseName)
        throw new InputError('releaseName: give a releaseName, or a preset');
      const namespace = i.namespace ?? p?.namespace ?? 'default';
      const release = `Helm release ${namespace}/${releaseName}`;
      const done = (outcome: 'deleted' | 'absent' | 'would-delete') => {
        ctx.output('releaseName', releaseName);
        ctx.output('namespace', namespace);
        ctx.output('outcome', outcome);
      };

      const cluster = await clusterToRemoveFrom(
        options.config,
        ctx,
        i,
        release,
      );
      if (!cluster) {
        done('absent');
        return;
      }
      const settings = helmSettings(options.config);
      await withHelm(
        {
          binary: settings.binary,
          kubeconfig: cluster.kubeconfig,
          tempDir: options.tempDir,
          signal: ctx.signal,
        },
        async helm => {
          const listed = (
            JSON.parse(
              await helm('helm list failed', [
                'list',
                // a release whose install or upgrade failed or hangs goes too
                '--deployed',
                '--failed',
                '--pending',
                '--uninstalling',
                '--namespace',
                namespace,
                '--filter',
                `^${releaseName}$`,
                '--output',
                'json',
              ]),
            ) as { name: string; chart: string; revision: string }[]
          ).find(r => r.name === releaseName);
          if (!listed) {
            ctx.logger.info(
              describeRead(
                ctx.isDryRun,
                `No ${release} in ${cluster.label}: nothing to delete`,
              ),
            );
            done('absent');
            return;
          }
          const what = `${release} (chart ${listed.chart}, revision ${listed.revision}) from ${cluster.label}`;
          if (!ctx.isDryRun)
            await ctx.checkpoint({
              key: checkpointKey(
                'helm-release',
                'delete',
                cluster.id,
                namespace,
                releaseName,
              ),
              fn: async () => {
                await helm(`helm uninstall ${releaseName} failed`, [
                  'uninstall',
                  releaseName,
                  '--namespace',
                  namespace,
                  '--ignore-not-found',
                  '--wait=watcher',
                  '--timeout',
                  `${i.timeoutSeconds}s`,
                ]);
                return true;
              },
            });
          ctx.logger.info(describeChange(ctx.isDryRun, 'delete', what));
          ctx.logger.info(
            describeRead(
              ctx.isDryRun,
              `The CustomResourceDefinitions the chart installed stay (Helm never deletes CRDs: other releases' objects may use them); they go with the cluster`,
            ),
          );
          done(outcomeOf(ctx.isDryRun, 'delete'));
        },
      );
    },
  });
}
