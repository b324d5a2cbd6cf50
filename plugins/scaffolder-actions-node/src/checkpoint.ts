import type { ActionContext } from '@backstage/plugin-scaffolder-node';
import type { JsonValue } from '@backstage/types';

const WORD = /^[a-z][a-z0-9-]*$/;

/**
 * The key of a `ctx.checkpoint` in the dialect's form, `<resource>.<verb>.<name>`: the resource
 * the side effect touches (`vpc`, `dns-record`), the write it makes (`create`, `update`, `delete`,
 * `set`) and what identifies it; name parts are joined with dots (`dns-record.create.<zone>.A.vote.example.com`).
 * Resource and verb are checked here so a typo cannot make two keys for one side effect.
 *
 * @public
 */
export function checkpointKey(
  resource: string,
  verb: string,
  ...name: Array<string | number>
): string {
  if (!WORD.test(resource) || !WORD.test(verb))
    throw new Error(
      `checkpoint key: resource and verb are lowercase words with dashes, not "${resource}" / "${verb}"`,
    );
  if (name.length === 0 || name.some(part => String(part) === ''))
    throw new Error(
      `checkpoint key ${resource}.${verb}: every name part must be non-empty`,
    );
  return [resource, verb, ...name].join('.');
}

/**
 * Runs a side effect in `ctx.checkpoint` and tells whether it ran in this attempt. A retried task
 * gets back the value an earlier attempt saved, without `fn` running: what that value reports
 * (`{ created: true }`) was done then, so this run's log says "Reusing", not "Created".
 *
 * @public
 */
export async function runCheckpoint<T extends JsonValue | void>(
  ctx: Pick<ActionContext<any, any, any>, 'checkpoint'>,
  key: string,
  fn: () => Promise<T>,
): Promise<{ value: T; ranNow: boolean }> {
  let ranNow = false;
  const value = await ctx.checkpoint({
    key,
    fn: () => {
      ranNow = true;
      return fn();
    },
  });
  return { value, ranNow };
}
