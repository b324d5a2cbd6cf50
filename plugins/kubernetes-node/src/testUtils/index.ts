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
  digitalOceanCall,
  installCrds,
  minimalCrds,
  provideTestStorage,
  repoRoot,
  serveAtDigitalOcean,
  startLocalCluster,
  type DigitalOceanEmulator,
  type LocalCluster,
} from './cluster';
