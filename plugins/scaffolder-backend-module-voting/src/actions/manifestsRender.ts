import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  describeRead,
  parseInput,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { votingManifests } from '../manifests';
import {
  manifestOptions,
  refineStackInput,
  stackInput,
} from './inputProperties';
import { examples } from './manifestsRender.examples';

const input = {
  ...stackInput,
  ingressKind: (z: Zod) =>
    z
      .enum(['Ingress', 'IngressRoute'])
      .default('Ingress')
      .describe(
        'With a domain: a networking.k8s.io Ingress or a Traefik IngressRoute',
      ),
  ingressClassName: (z: Zod) =>
    z.string().min(1).default('traefik').describe('Ingress class'),
  monitoring: (z: Zod) =>
    z
      .boolean()
      .default(false)
      .describe(
        'Also render ServiceMonitors and the PrometheusRule (prometheus-operator CRDs)',
      ),
  targetPath: (z: Zod) =>
    z
      .string()
      .min(1)
      .default('k8s/voting-stack.yaml')
      .describe('File in the workspace to write'),
};

/**
 * `voting:manifests:render`: writes the Kubernetes manifests of the voting stack into the
 * workspace, from the same generator and inputs as `voting:stack:ensure`. Needs no cluster, so it
 * runs in dry runs too (the workspace of a dry run is a throw-away one).
 *
 * @public
 */
export function createVotingManifestsRenderAction(): ScaffolderAction {
  return createTemplateAction({
    id: 'voting:manifests:render',
    description:
      'Renders the Kubernetes manifests of the voting stack (what voting:stack:ensure applies: vote, worker, result, the queue on volumes, autoscaler, disruption budgets, dashboard; an Ingress or IngressRoute when a domain is given; ServiceMonitors and alert rules when asked) into one YAML file in the workspace. Secrets are referenced by name, never rendered.',
    supportsDryRun: true,
    examples,
    schema: {
      input,
      output: {
        manifestPath: z =>
          z.string().describe('Workspace-relative path of the YAML file'),
        objects: z =>
          z
            .array(z.string())
            .describe('Kind/name of every rendered object, in apply order'),
      },
    },
    async handler(ctx) {
      const i = parseInput(input, ctx.input, refineStackInput);
      const manifests = votingManifests(
        manifestOptions(i, {
          // referenced by name only: a rendered file never holds a secret
          secret: { name: i.secretName },
          ingressKind: i.ingressKind,
          ingressClassName: i.ingressClassName,
          monitoringKinds: i.monitoring,
        }),
      );
      const target = resolveSafeChildPath(ctx.workspacePath, i.targetPath);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(
        target,
        manifests.map(m => stringify(m)).join('---\n'),
        'utf8',
      );
      const objects = manifests.map(m => `${m.kind}/${m.metadata.name}`);
      ctx.logger.info(
        describeRead(
          ctx.isDryRun,
          `rendered ${objects.length} objects into ${i.targetPath}`,
        ),
      );
      ctx.output('manifestPath', i.targetPath);
      ctx.output('objects', objects);
    },
  });
}
