/**
 * Test glue for Helm: the pinned Helm that `packages/local-kubernetes/install-helm.sh` puts in the test cache (only
 * tests look there; the actions take Helm from config or the PATH), and the module config that
 * serves the chart repositories the tests name from local folders.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '@voting-platform/plugin-kubernetes-node/testUtils';
import { presetRepositories } from '../lib/helm';

/** Stand-ins of the presets' charts (test-charts/<chart>). */
export const standInCharts = resolve(__dirname, '../../test-charts');
/** A made-up repository whose charts are test/k8s/charts/<chart> (the probe chart). */
export const TEST_REPOSITORY = 'https://charts.example.com';

export function helmPath(): string {
  const dir = join(
    process.env.XDG_CACHE_HOME || join(homedir(), '.cache'),
    'voting-platform',
    'helm',
  );
  const versions = existsSync(dir)
    ? readdirSync(dir).sort((a, b) =>
        b.localeCompare(a, undefined, { numeric: true }),
      )
    : [];
  for (const v of versions) {
    const helm = join(dir, v, 'bin', 'helm');
    if (existsSync(helm)) return helm;
  }
  throw new Error(
    'Helm is not installed: run bash packages/local-kubernetes/install-helm.sh',
  );
}

/** `kubernetesActions.helm` for tests: the cached Helm, the presets' repositories and the test one, all served from local folders. */
export function helmTestConfig(binary = helmPath()) {
  return {
    binary,
    allowedRepositories: [...presetRepositories(), TEST_REPOSITORY],
    localChartRepositories: [
      ...presetRepositories().map(url => ({ url, directory: standInCharts })),
      { url: TEST_REPOSITORY, directory: join(repoRoot, 'test/k8s/charts') },
    ],
  };
}
