import { InputError } from '@backstage/errors';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheckpoint } from './checkpoint';
import {
  describePlaceholder,
  dryRunId,
  dryRunPlaceholders,
  idOrDryRunId,
  isDryRunId,
} from './dryRun';
import { parseInput, type Zod } from './input';
import { readStepFile } from './workspace';

const shape = {
  vpcId: (zod: Zod) => idOrDryRunId(zod, zod.string().uuid()).optional(),
};

describe("an earlier step's dry-run placeholder", () => {
  it('is taken by an id input, next to a real id, and nothing else is', () => {
    const placeholder = dryRunId('vpc', 'demo-vpc');
    expect(isDryRunId(placeholder)).toBe(true);
    expect(isDryRunId('6e2b1c9a-0b4e-4b55-9d1e-0b0f3b5b4a11')).toBe(false);
    expect(parseInput(shape, { vpcId: placeholder })).toEqual({
      vpcId: placeholder,
    });
    expect(
      parseInput(shape, { vpcId: '6e2b1c9a-0b4e-4b55-9d1e-0b0f3b5b4a11' }),
    ).toEqual({ vpcId: '6e2b1c9a-0b4e-4b55-9d1e-0b0f3b5b4a11' });
    expect(() => parseInput(shape, { vpcId: 'not-an-id' })).toThrow(InputError);
  });

  it('is named in a dry run, and refused in a real one', () => {
    const ids = { vpcId: dryRunId('vpc', 'x'), clusterId: 'c0ffee' };
    expect([...dryRunPlaceholders(true, ids)]).toEqual(['vpcId']);
    expect(() => dryRunPlaceholders(false, ids)).toThrow(
      /vpcId: dry-run-vpc-x: a dry run's placeholder/,
    );
    expect(dryRunPlaceholders(false, { clusterId: 'c0ffee' }).size).toBe(0);
    expect(describePlaceholder('VPC', 'dry-run-vpc-x')).toBe(
      'the VPC that an earlier step would create (dry-run-vpc-x)',
    );
  });
});

describe('readStepFile', () => {
  let workspacePath: string;
  beforeAll(async () => {
    workspacePath = await mkdtemp(join(tmpdir(), 'step-file-'));
    await mkdir(join(workspacePath, 'tls'));
    await writeFile(join(workspacePath, 'tls', 'tls.crt'), 'PEM');
  });
  afterAll(() => rm(workspacePath, { recursive: true, force: true }));

  it('reads what an earlier step wrote, in a real run and in a dry run', async () => {
    for (const isDryRun of [false, true])
      expect(
        await readStepFile({ workspacePath, isDryRun }, 'f', 'tls/tls.crt'),
      ).toBe('PEM');
  });

  it("is undefined in a dry run for a file only the earlier step's real run writes, and an InputError in a real run", async () => {
    expect(
      await readStepFile(
        { workspacePath, isDryRun: true },
        'tlsKeyFile',
        'tls/tls.key',
      ),
    ).toBeUndefined();
    await expect(
      readStepFile({ workspacePath }, 'tlsKeyFile', 'tls/tls.key'),
    ).rejects.toThrow(/tlsKeyFile: tls\/tls.key is not in the workspace/);
  });

  it('never reads outside the workspace', async () => {
    await expect(
      readStepFile({ workspacePath, isDryRun: true }, 'f', '../etc/passwd'),
    ).rejects.toThrow(/outside/i);
  });
});

describe('runCheckpoint', () => {
  it('tells a side effect that ran now from one an earlier attempt of the task saved', async () => {
    const saved = new Map<string, unknown>();
    const ctx = {
      checkpoint: async ({ key, fn }: { key: string; fn: () => any }) => {
        if (!saved.has(key)) saved.set(key, await fn());
        return saved.get(key);
      },
    };
    let runs = 0;
    const create = async () => {
      runs++;
      return { created: true };
    };
    expect(await runCheckpoint(ctx as any, 'db.create.x', create)).toEqual({
      value: { created: true },
      ranNow: true,
    });
    expect(await runCheckpoint(ctx as any, 'db.create.x', create)).toEqual({
      value: { created: true },
      ranNow: false,
    });
    expect(runs).toBe(1);
  });
});
