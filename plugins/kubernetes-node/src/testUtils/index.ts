/**
 * Test glue for packages that talk to Kubernetes: a real local control plane per test file.
 *
 * @packageDocumentation
 */
// the helpers' signatures name these; re-exported so this entry point describes itself
export type {
  ApplyOptions,
  ConnectionOptions,
  KubeObject,
  KubernetesConnection,
} from '../KubernetesConnection';
export {
  installCrds,
  minimalCrds,
  provideTestStorage,
  repoRoot,
  startLocalCluster,
  type LocalCluster,
} from './cluster';
