import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { dialectProblems } from './module';

const action = (id: string, outputs: Record<string, true>) =>
  createTemplateAction({
    id,
    description: 'x',
    supportsDryRun: true,
    examples: [
      {
        description: 'x',
        example: `steps:\n  - id: x\n    action: ${id}\n    input: {}\n`,
      },
    ],
    schema: {
      input: { name: z => z.string() },
      output: Object.fromEntries(
        Object.keys(outputs).map(key => [key, (z: any) => z.string()]),
      ),
    },
    async handler() {},
  });

describe('dialectProblems and the verbs of the dialect', () => {
  it('knows register and unregister (a record in the portal), and wants their outcome', () => {
    for (const verb of ['register', 'unregister']) {
      expect(
        dialectProblems(action(`test:thing:${verb}`, { outcome: true }), {
          provider: 'test',
        }),
      ).toEqual([]);
      expect(
        dialectProblems(action(`test:thing:${verb}`, {}), { provider: 'test' }),
      ).toEqual([`test:thing:${verb}: no outcome output`]);
    }
  });

  it('refuses a verb outside the dialect', () => {
    expect(
      dialectProblems(action('test:thing:upsert', { outcome: true }), {
        provider: 'test',
      }),
    ).toEqual([
      'test:thing:upsert: "upsert" is not a verb of the dialect (ensure, delete, read, render, register, unregister)',
    ]);
  });
});
