import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { readFile } from 'node:fs/promises';

/**
 * Reads a file an earlier step wrote into the workspace (never one outside it), as UTF-8. The
 * dry run of that step wrote nothing, so in a dry run a file that is not there is `undefined`:
 * the action says what it would do with it rather than fail on what only a real run makes. In a
 * real run a missing file is an `InputError` naming the input that gave its path.
 *
 * @public
 */
export async function readStepFile(
  ctx: { workspacePath: string; isDryRun?: boolean },
  field: string,
  path: string,
): Promise<string | undefined> {
  try {
    return await readFile(
      resolveSafeChildPath(ctx.workspacePath, path),
      'utf8',
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (ctx.isDryRun) return undefined;
    throw new InputError(
      `${field}: ${path} is not in the workspace (the step that writes it must run first)`,
    );
  }
}
