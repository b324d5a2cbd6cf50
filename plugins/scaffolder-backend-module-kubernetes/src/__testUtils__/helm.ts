/**
 * Test glue for Helm: the pinned Helm that `packages/local-kubernetes/install-helm.sh` puts in the test cache (only
 * tests look there; the actions take Helm from config or the PATH), the module config that
 * serves the chart repositories the tests name from local folders, and a cluster "at
 * DigitalOcean" (the sandbox's emulator) that is a real local control plane.
 */
import { ConfigReader } from '@backstage/config';
import { ManualClock, useSandbox } from '@voting-platform/cloud-sandbox';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  repoRoot,
  serveAtDigitalOcean,
  startLocalCluster,
  type LocalCluster,
} from '@voting-platform/plugin-kubernetes-node/testUtils';
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

/**
 * The sandbox (for the kubeconfig by cluster id) and a local control plane behind one emulated
 * cluster (named `name` at DigitalOcean), for a test file: `clusterId` and `cluster` once
 * `beforeAll` ran, and the module config pointing at both with the given `kubernetesActions.helm`.
 */
export function useHelmCluster(name = 'helm') {
  const clock = new ManualClock();
  const env = useSandbox(
    { beforeAll, afterAll, afterEach },
    { clock, coverageDir: false },
  );
  const state: { cluster?: LocalCluster; clusterId?: string } = {};
  beforeAll(async () => {
    state.cluster = await startLocalCluster();
    state.clusterId = await serveAtDigitalOcean(
      env.sandbox.digitalocean,
      state.cluster,
      name,
    );
    clock.advance(10 * 60_000);
  });
  afterAll(() => state.cluster?.stop());
  return {
    env,
    get cluster() {
      return state.cluster!;
    },
    get clusterId() {
      return state.clusterId!;
    },
    config: (helm: object = helmTestConfig()) =>
      new ConfigReader({
        digitalocean: {
          token: env.sandbox.digitalocean.token,
          apiUrl: env.sandbox.digitalocean.url,
        },
        kubernetesActions: { helm },
      }),
  };
}
