/** Where the providers' OpenAPI subsets and the coverage reports live. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export type Provider = 'digitalocean' | 'cloudflare';

export const SPEC_FILES: Record<Provider, string> = {
  digitalocean: 'digitalocean.openapi.subset.json',
  cloudflare: 'cloudflare.openapi.subset.json',
};

/**
 * The folder holding the spec subsets: `CLOUD_SANDBOX_SPECS_DIR`, else the copies this package
 * ships in `specs/` (taken unchanged from the project's shared/specs; a test keeps them equal).
 */
export function specsDir(): string {
  const fromEnv = process.env.CLOUD_SANDBOX_SPECS_DIR;
  // this package runs from its sources only (never bundled), so __dirname is src/
  // eslint-disable-next-line no-restricted-syntax
  const dir = fromEnv ? resolve(fromEnv) : resolve(__dirname, '..', 'specs');
  if (!existsSync(join(dir, SPEC_FILES.digitalocean))) {
    throw new Error(
      `cloud-sandbox: no OpenAPI subsets in ${dir}; set CLOUD_SANDBOX_SPECS_DIR to the folder holding them`,
    );
  }
  return dir;
}

export function specPath(provider: Provider): string {
  return join(specsDir(), SPEC_FILES[provider]);
}

function ancestors(start: string): string[] {
  const out: string[] = [];
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    out.push(dir);
    if (dirname(dir) === dir) return out;
  }
}

/** The repository root: the nearest ancestor holding yarn.lock (falls back to the working directory). */
export function repoRoot(): string {
  // eslint-disable-next-line no-restricted-syntax
  for (const dir of ancestors(__dirname))
    if (existsSync(join(dir, 'yarn.lock'))) return dir;
  return process.cwd();
}

/** `CLOUD_SANDBOX_COVERAGE_DIR`, else `<repo>/.cache/contract-coverage`. */
export function defaultCoverageDir(): string {
  return (
    process.env.CLOUD_SANDBOX_COVERAGE_DIR ??
    join(repoRoot(), '.cache', 'contract-coverage')
  );
}
