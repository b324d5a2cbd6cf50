/**
 * Test glue for packages that talk to Kubernetes: a real local control plane per test file.
 *
 * @packageDocumentation
 */
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
