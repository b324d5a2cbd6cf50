/**
 * jest for the services, scripts and end-to-end suites (the Backstage packages keep Backstage's
 * own jest config, through `backstage-cli repo test`). Run it with `yarn jest`, which starts jest
 * under the Node flags the services use in development (`--conditions=source --import tsx`).
 *
 * jest-light-runner imports each test file as Node would, instead of jest's vm sandbox: ESM with
 * `import.meta` and top-level await and ESM-only dependencies work unchanged, tsx compiles the
 * TypeScript, and the workspace packages resolve to their sources. Without the sandbox there is one
 * realm, so `node:assert/strict` compares what fetch, node:fs or a driver returns with a literal
 * as it always did (in jest's vm its prototypes differ, and deepStrictEqual fails).
 *
 * One file at a time (maxWorkers 1, which the runner takes as "in this process"): the suites
 * share real PostgreSQL, Redis and NATS servers, ports and the Kubernetes control plane.
 */
const project = (displayName, roots) => ({
  displayName,
  runner: 'jest-light-runner',
  roots: roots.map(root => `<rootDir>/${root}`),
  testMatch: ['**/*.test.ts'],
});

export default {
  maxWorkers: 1,
  projects: [
    project('unit', [
      'packages/timing/src',
      'packages/voting-core/src',
      'packages/cloud-sandbox/src',
      'packages/local-kubernetes/src',
      'apps/vote/src',
      'apps/worker/src',
      'apps/result/src',
      'scripts',
    ]),
    project('voting', ['test/voting']),
    project('portal', ['test/portal']),
    project('kubernetes', ['test/k8s']),
    project('sandbox', ['test/sandbox']),
    project('journey', ['test/journey']),
  ],
};
