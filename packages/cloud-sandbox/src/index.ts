/**
 * @voting-platform/cloud-sandbox: in-process emulators of the DigitalOcean and Cloudflare APIs,
 * checked against the providers' OpenAPI documents.
 *
 *   const sandbox = await startSandbox({ clock: new ManualClock(), cloudflare: { zones: ['example.com'] } });
 *   createApiClient({ token: sandbox.digitalocean.token, endpoint: sandbox.digitalocean.url });
 *   new Cloudflare({ apiToken: sandbox.cloudflare.token, baseURL: sandbox.cloudflare.url });
 *   ...
 *   sandbox.assertNoViolations();
 *   await sandbox.stop();
 */
export { ManualClock, realClock, type Clock } from './clock';
export { CloudflareEmulator, type CloudflareOptions } from './cloudflare';
export {
  Contract,
  type ContractViolation,
  type OperationInfo,
  type ViolationKind,
} from './contract';
export {
  clearCoverage,
  formatCoverage,
  mergeCoverage,
  readCoverage,
} from './coverage';
export {
  DigitalOceanEmulator,
  type ClusterTarget,
  type ClusterTargetAnswer,
  type DatabaseBackend,
  type DatabaseEndpoint,
  type DigitalOceanOptions,
  type DigitalOceanTimings,
  type LintFinding,
} from './digitalocean';
export {
  ContractViolationError,
  Emulator,
  type CoverageReport,
  type EmulatorOptions,
  type OperationCoverage,
  type RequestRecord,
} from './emulator';
export { FaultRegistry, type Fault, type FaultSpec } from './faults';
export { defaultCoverageDir, specPath, specsDir, type Provider } from './paths';

export { certificateRequest } from './originCa';
export {
  machineAddress,
  NO_MACHINE_ADDRESS,
  routeServiceToAddress,
  startPrometheusStandIn,
  watchdogAlert,
  type AlertsAnswer,
  type PrometheusAlert,
  type PrometheusStandIn,
} from './prometheus';
export { startSandbox, type Sandbox, type SandboxOptions } from './sandbox';
export { useSandbox, type TestHooks } from './testing';
