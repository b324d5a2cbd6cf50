import { InputError } from '@backstage/errors';
import { parseInput, type Zod } from './input';

const shape = {
  name: (z: Zod) => z.string().min(1),
  count: (z: Zod) => z.number().int().min(1).default(2),
  pool: (z: Zod) =>
    z
      .object({
        mode: z.enum(['session', 'transaction']).default('transaction'),
      })
      .default({}),
};

describe('parseInput', () => {
  it('applies the defaults the scaffolder leaves out, nested ones included', () => {
    expect(parseInput(shape, { name: 'a' })).toEqual({
      name: 'a',
      count: 2,
      pool: { mode: 'transaction' },
    });
    expect(
      parseInput(shape, { name: 'a', count: 5, pool: { mode: 'session' } }),
    ).toEqual({ name: 'a', count: 5, pool: { mode: 'session' } });
  });

  it('is one InputError naming every field at fault, and refuses unknown fields', () => {
    const err = (() => {
      try {
        parseInput(shape, { count: 0, extra: true });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InputError);
    expect(err!.message).toMatch(/^Invalid input: /);
    expect(err!.message).toMatch(/name: Required/);
    expect(err!.message).toMatch(
      /count: Number must be greater than or equal to 1/,
    );
    expect(err!.message).toMatch(/Unrecognized key\(s\) in object: 'extra'/);
  });

  it('runs the checks across fields, after the defaults', () => {
    const parse = (input: unknown) =>
      parseInput(shape, input, (v, ctx) => {
        if (v.count > 3 && v.pool.mode === 'transaction')
          ctx.addIssue({
            code: 'custom',
            path: ['pool', 'mode'],
            message: 'session for more than 3',
          });
      });
    expect(() => parse({ name: 'a', count: 4 })).toThrow(
      /pool.mode: session for more than 3/,
    );
    expect(
      parse({ name: 'a', count: 4, pool: { mode: 'session' } }).count,
    ).toBe(4);
  });
});
