/**
 * Test glue for packages that talk to Kubernetes: a real local control plane per test file.
 *
 * @packageDocumentation
 */
export {
  installCrds,
  minimalCrds,
  provideTestStorage,
  repoRoot,
  startLocalCluster,
  type LocalCluster,
} from './cluster';
