import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { votingStackManifests } from '../manifests/votingStack';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOST = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Used for every input left out; the input descriptions list them too. */
const DEFAULTS = {
  namespace: 'voting',
  imageTag: 'latest',
  voteReplicas: 2,
  resultReplicas: 2,
  workerReplicas: 1,
  secretName: 'voting-secrets',
  pollId: 'default',
  question: 'Cats or dogs?',
  optionA: 'Cats',
  optionB: 'Dogs',
  ingressClassName: 'traefik',
  targetPath: 'k8s/voting-stack.yaml',
};

function definedOnly<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(input).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

/**
 * `voting:manifests:render`: writes the Kubernetes manifests of the voting stack into the
 * workspace. Needs no cluster, so it runs in dry-runs too.
 *
 * @public
 */
export function createRenderManifestsAction() {
  return createTemplateAction({
    id: 'voting:manifests:render',
    description:
      'Renders the Kubernetes manifests of the voting stack (vote, worker, result, Redis, optional Ingress) into one YAML file in the workspace. Secrets are referenced by name, never rendered.',
    supportsDryRun: true,
    examples: [
      {
        description:
          'Render the stack for vote.example.com and result.example.com',
        example: stringify({
          steps: [
            {
              id: 'manifests',
              action: 'voting:manifests:render',
              input: {
                namespace: 'voting',
                imageRepository: 'registry.digitalocean.com/acme',
                imageTag: '1.0.0',
                voteHost: 'vote.example.com',
                resultHost: 'result.example.com',
              },
            },
          ],
        }),
      },
    ],
    schema: {
      input: {
        namespace: z =>
          z
            .string()
            .max(63)
            .regex(
              DNS_LABEL,
              'must be a DNS label (lowercase letters, digits, dashes)',
            )
            .optional()
            .describe('Namespace to create and deploy into (default voting)'),
        imageRepository: z =>
          z
            .string()
            .min(1)
            .regex(
              /^[a-z0-9][a-z0-9.:/_-]*[a-z0-9]$/,
              'must be a registry path such as registry.example.com/team',
            )
            .describe('Registry path of the vote, worker and result images'),
        imageTag: z =>
          z
            .string()
            .regex(
              /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
              'must be a valid image tag',
            )
            .optional()
            .describe('Tag of the images (default latest)'),
        voteReplicas: z =>
          z
            .number()
            .int()
            .min(1)
            .max(50)
            .optional()
            .describe('Vote replicas (default 2)'),
        resultReplicas: z =>
          z
            .number()
            .int()
            .min(1)
            .max(50)
            .optional()
            .describe('Result replicas (default 2)'),
        workerReplicas: z =>
          z
            .number()
            .int()
            .min(1)
            .max(50)
            .optional()
            .describe('Worker replicas (default 1)'),
        secretName: z =>
          z
            .string()
            .regex(DNS_LABEL)
            .optional()
            .describe(
              'Existing Secret with the keys POSTGRES_URL and VOTE_COOKIE_SECRET (default voting-secrets)',
            ),
        pollId: z =>
          z
            .string()
            .regex(/^[a-z0-9-]{1,63}$/)
            .optional()
            .describe('Poll id (default "default")'),
        question: z =>
          z
            .string()
            .min(1)
            .max(60)
            .optional()
            .describe('Question (default "Cats or dogs?")'),
        optionA: z =>
          z
            .string()
            .min(1)
            .max(60)
            .optional()
            .describe('First option (default Cats)'),
        optionB: z =>
          z
            .string()
            .min(1)
            .max(60)
            .optional()
            .describe('Second option (default Dogs)'),
        voteHost: z =>
          z
            .string()
            .regex(HOST, 'must be a host name')
            .optional()
            .describe(
              'Public host of the vote app; with resultHost, renders an Ingress',
            ),
        resultHost: z =>
          z
            .string()
            .regex(HOST, 'must be a host name')
            .optional()
            .describe('Public host of the result app'),
        ingressClassName: z =>
          z
            .string()
            .regex(DNS_LABEL)
            .optional()
            .describe('Ingress class (default traefik)'),
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
      // The scaffolder checks inputs against the JSON schema but fills in no defaults.
      const input = {
        ...DEFAULTS,
        ...definedOnly(ctx.input),
        imageRepository: ctx.input.imageRepository,
      };
      if ((input.voteHost === undefined) !== (input.resultHost === undefined)) {
        throw new Error(
          'voteHost and resultHost must be given together (or neither)',
        );
      }
      if (input.voteHost && input.voteHost === input.resultHost) {
        throw new Error('voteHost and resultHost must differ');
      }
      if (input.optionA === input.optionB) {
        throw new Error('optionA and optionB must differ');
      }
      const manifests = votingStackManifests({
        namespace: input.namespace,
        imageRepository: input.imageRepository,
        imageTag: input.imageTag,
        replicas: {
          vote: input.voteReplicas,
          result: input.resultReplicas,
          worker: input.workerReplicas,
        },
        secretName: input.secretName,
        poll: {
          id: input.pollId,
          question: input.question,
          optionA: input.optionA,
          optionB: input.optionB,
        },
        ingress:
          input.voteHost && input.resultHost
            ? {
                voteHost: input.voteHost,
                resultHost: input.resultHost,
                className: input.ingressClassName,
              }
            : undefined,
      });
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
