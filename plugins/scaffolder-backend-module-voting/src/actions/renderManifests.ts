import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { votingManifests } from '../manifests';
import {
  checkStackInput,
  manifestOptions,
  stackInput,
  withDefaults,
} from './stackInput';

/** Inputs of this action only; the stack's own come from {@link stackInput}. */
const RENDER_DEFAULTS = {
  ingressKind: 'Ingress' as 'Ingress' | 'IngressRoute',
  ingressClassName: 'traefik',
  monitoring: false,
  targetPath: 'k8s/voting-stack.yaml',
};

/**
 * `voting:manifests:render`: writes the Kubernetes manifests of the voting stack into the
 * workspace, from the same generator and inputs as `voting:deploy`. Needs no cluster, so it runs
 * in dry-runs too.
 *
 * @public
 */
export function createRenderManifestsAction() {
  return createTemplateAction({
    id: 'voting:manifests:render',
    description:
      'Renders the Kubernetes manifests of the voting stack (what voting:deploy applies: vote, worker, result, the queue on volumes, autoscaler, disruption budgets, dashboard; an Ingress or IngressRoute when a domain is given; ServiceMonitors and alert rules when asked) into one YAML file in the workspace. Secrets are referenced by name, never rendered.',
    supportsDryRun: true,
    examples: [
      {
        description:
          'Render the stack for vote.example.com and result.example.com, with NATS as the queue',
        example: stringify({
          steps: [
            {
              id: 'manifests',
              action: 'voting:manifests:render',
              input: {
                namespace: 'voting',
                imageRepository: 'registry.digitalocean.com/acme',
                imageTag: '1.0.0',
                domain: 'example.com',
                queue: 'nats',
              },
            },
          ],
        }),
      },
    ],
    schema: {
      input: {
        ...stackInput,
        ingressKind: z =>
          z
            .enum(['Ingress', 'IngressRoute'])
            .optional()
            .describe(
              'With a domain: a networking.k8s.io Ingress (default) or a Traefik IngressRoute',
            ),
        ingressClassName: z =>
          z
            .string()
            .min(1)
            .optional()
            .describe('Ingress class (default traefik)'),
        monitoring: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Also render ServiceMonitors and the PrometheusRule (prometheus-operator CRDs; default false)',
            ),
        targetPath: z =>
          z
            .string()
            .min(1)
            .optional()
            .describe(
              'File in the workspace to write (default k8s/voting-stack.yaml)',
            ),
      },
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
      const input = withDefaults(ctx.input, RENDER_DEFAULTS);
      checkStackInput(input);
      const manifests = votingManifests(
        manifestOptions(input, {
          // referenced by name only: a rendered file never holds a secret
          secret: { name: input.secretName },
          ingressKind: input.ingressKind,
          ingressClassName: input.ingressClassName,
          monitoringKinds: input.monitoring,
        }),
      );
      const target = resolveSafeChildPath(ctx.workspacePath, input.targetPath);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(
        target,
        manifests.map(m => stringify(m)).join('---\n'),
        'utf8',
      );
      const objects = manifests.map(m => `${m.kind}/${m.metadata.name}`);
      ctx.logger.info(
        `rendered ${objects.length} objects into ${input.targetPath}${
          ctx.isDryRun ? ' (dry run)' : ''
        }`,
      );
      ctx.output('manifestPath', input.targetPath);
      ctx.output('objects', objects);
    },
  });
}
