import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  assertNoSecrets,
  Crash,
  exampleSteps,
  factoryName,
  missingActionFiles,
  renderInput,
  runAction,
  runExamples,
  waitForAnswers,
} from './index';

const counter = { writes: 0 };
const action = createTemplateAction({
  id: 'test:thing:ensure',
  description: 'A thing',
  supportsDryRun: true,
  examples: [
    {
      description: 'A thing in the VPC of an earlier step',
      example: `steps:
  - id: thing
    action: test:thing:ensure
    input:
      name: t-\${{ parameters.name }}
      vpcId: \${{ steps.vpc.output.vpcId }}
      size: \${{ parameters.size }}
`,
    },
  ],
  schema: {
    input: {
      name: z => z.string(),
      vpcId: z => z.string(),
      size: z => z.number(),
    },
  },
  async handler(ctx) {
    if (!ctx.isDryRun) {
      await ctx.checkpoint({
        key: `thing.create.${ctx.input.name}`,
        fn: async () => ++counter.writes,
      });
    }
    ctx.logger.info(
      `${ctx.isDryRun ? 'Dry run: would create' : 'Created'} ${ctx.input.name}`,
    );
    ctx.output('name', ctx.input.name);
  },
});

describe('the action test kit', () => {
  it('replays checkpoints after a crash, as a retried task does', async () => {
    const checkpoints = new Map();
    const input = { name: 'a', vpcId: 'v', size: 1 };
    await expect(
      runAction(action, input, { checkpoints, crashAfter: 'thing.create.a' }),
    ).rejects.toThrow(Crash);
    const retried = await runAction(action, input, { checkpoints });
    expect(counter.writes).toBe(1);
    expect(retried.outputs).toEqual({ name: 'a' });
    expect(retried.logs).toEqual(['info Created a']);
  });

  it('renders ${{ }} with the values given, keeping the type of a whole-string expression, and refuses a missing one', () => {
    const [step] = exampleSteps(action.examples![0]!);
    expect(step).toMatchObject({ id: 'thing', action: 'test:thing:ensure' });
    expect(
      renderInput(step!.input, {
        'parameters.name': 'x',
        'steps.vpc.output.vpcId': 'vpc-1',
        'parameters.size': 3,
      }),
    ).toEqual({ name: 't-x', vpcId: 'vpc-1', size: 3 });
    expect(() => renderInput(step!.input, { 'parameters.name': 'x' })).toThrow(
      /no value for \$\{\{ steps.vpc.output.vpcId \}\}/,
    );
  });

  it('runs every example for real and as a dry run', async () => {
    const results = await runExamples(action, {
      values: {
        'parameters.name': 'ex',
        'steps.vpc.output.vpcId': 'vpc-1',
        'parameters.size': 1,
      },
    });
    expect(results).toHaveLength(1);
    expect(results[0]!.real.logs).toEqual(['info Created t-ex']);
    expect(results[0]!.dry.logs).toEqual(['info Dry run: would create t-ex']);
  });

  it('refuses an action whose dry run outputs other keys than its real run', async () => {
    const uneven = {
      ...action,
      id: 'test:uneven:ensure',
      examples: [
        {
          description: 'e',
          example:
            'steps:\n  - id: u\n    action: test:uneven:ensure\n    input: {}\n',
        },
      ],
    };
    const run = async (
      _input: Record<string, unknown>,
      opts: { isDryRun?: boolean },
    ) => ({
      outputs: opts.isDryRun ? { a: 1 } : { a: 1, id: 'x' },
      logs: [],
      checkpoints: new Map(),
    });
    await expect(runExamples(uneven as any, { run })).rejects.toThrow(
      /the dry run outputs a, the real run a, id/,
    );
  });

  it('finds a secret in text, JSON, maps and errors without naming it', () => {
    expect(() => assertNoSecrets(['s3cret'], 'fine', { a: 1 })).not.toThrow();
    for (const leak of [
      'x s3cret',
      { a: 's3cret' },
      new Map([['k', 's3cret']]),
      new Error('token s3cret'),
    ]) {
      expect(() => assertNoSecrets(['s3cret'], leak)).toThrow(
        /^1 secret\(s\) appear/,
      );
    }
    expect(() =>
      assertNoSecrets(['s3cret'], new Error('x s3cret')),
    ).not.toThrow(/s3cret/);
  });

  it('waits for requests to be answered, not for a fixed time', async () => {
    const requests = [{ status: 200 }, { status: 0 }];
    setTimeout(() => (requests[1]!.status = 504), 50);
    await expect(waitForAnswers(requests)).resolves.toBe(true);
    await expect(waitForAnswers([{ status: 0 }], 30)).rejects.toThrow(
      /1 request\(s\) still unanswered after 30 ms/,
    );
  });
});

describe('missingActionFiles', () => {
  it('names what an action file lacks beside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'actions-'));
    for (const f of [
      'index.ts',
      'inputProperties.ts',
      'vpcEnsure.ts',
      'vpcEnsure.test.ts',
      'vpcEnsure.examples.ts',
      'vpcEnsure.examples.test.ts',
      'dnsDelete.ts',
      'dnsDelete.test.ts',
    ])
      await writeFile(join(dir, f), '');
    expect(missingActionFiles(dir)).toEqual([
      'dnsDelete.examples.ts',
      'dnsDelete.examples.test.ts',
    ]);
    await rm(dir, { recursive: true });
  });
});

describe('factoryName', () => {
  it('is create<Provider><Resource><Verb>Action, dashed words in PascalCase', () => {
    expect(factoryName('digitalocean:vpc:ensure', 'DigitalOcean')).toBe(
      'createDigitalOceanVpcEnsureAction',
    );
    expect(factoryName('cloudflare:zone:ssl:ensure', 'Cloudflare')).toBe(
      'createCloudflareZoneSslEnsureAction',
    );
    expect(factoryName('kubernetes:helm-release:ensure', 'Kubernetes')).toBe(
      'createKubernetesHelmReleaseEnsureAction',
    );
  });
});
