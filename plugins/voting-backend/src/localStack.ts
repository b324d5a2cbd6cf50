import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { LocalStackSource } from '@voting-platform/plugin-voting-common';

/**
 * Reads `voting.sandbox`: in sandbox mode the environments' clusters run no containers, so their
 * own vote and result URLs cannot answer; the voting stack running on this machine does instead.
 * Undefined when the block is not set (production: every environment answers for itself).
 */
export function readLocalStack(config: Config): LocalStackSource | undefined {
  const block = config.getOptionalConfig('voting.sandbox');
  if (!block) return undefined;
  return {
    kind: 'local-stack',
    voteUrl: serviceUrl(block, 'voteUrl'),
    resultUrl: serviceUrl(block, 'resultUrl'),
  };
}

/** An http(s) URL without credentials; errors never quote the value, which may hold some. */
function serviceUrl(block: Config, key: 'voteUrl' | 'resultUrl'): string {
  const value = block.getString(key);
  const name = `voting.sandbox.${key}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`${name} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(`${name} must start with http:// or https://`);
  }
  if (url.username || url.password) {
    throw new InputError(`${name} must not contain credentials`);
  }
  if (url.search || url.hash) {
    throw new InputError(`${name} must not have a query or a fragment`);
  }
  return value;
}
