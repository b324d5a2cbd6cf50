/** Where the providers' OpenAPI subsets and the coverage reports live. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export type Provider = 'digitalocean' | 'cloudflare';

export const SPEC_FILES: Record<Provider, string> = {
  digitalocean: 'digitalocean.openapi.subset.json',
  cloudflare: 'cloudflare.openapi.subset.json',
};

function ancestors(start: string): string[] {
  const out: string[] = [];
  let dir = resolve(start);
  for (;;) {
    out.push(dir);
    const parent = dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}

/**
 * The folder holding the spec subsets: `CLOUD_SANDBOX_SPECS_DIR`, else the first `shared/specs`
 * found beside this package's ancestors (the project keeps `shared/` next to the repository).
 */
export function specsDir(): string {
  const fromEnv = process.env.CLOUD_SANDBOX_SPECS_DIR;
  if (fromEnv) return resolve(fromEnv);
  for (const dir of ancestors(__dirname)) {
    const candidate = join(dir, 'shared', 'specs');
    if (existsSync(join(candidate, SPEC_FILES.digitalocean))) return candidate;
  }
  throw new Error(
    'cloud-sandbox: cannot find shared/specs beside the repository; set CLOUD_SANDBOX_SPECS_DIR to the folder holding the OpenAPI subsets',
  );
}

export function specPath(provider: Provider): string {
  return join(specsDir(), SPEC_FILES[provider]);
}

/** The repository root: the nearest ancestor holding yarn.lock (falls back to the working directory). */
export function repoRoot(): string {
  for (const dir of ancestors(__dirname)) if (existsSync(join(dir, 'yarn.lock'))) return dir;
  return process.cwd();
}

/** `CLOUD_SANDBOX_COVERAGE_DIR`, else `<repo>/.cache/contract-coverage`. */
export function defaultCoverageDir(): string {
  return process.env.CLOUD_SANDBOX_COVERAGE_DIR ?? join(repoRoot(), '.cache', 'contract-coverage');
}
