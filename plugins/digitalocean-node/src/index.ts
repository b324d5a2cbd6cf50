/**
 * The DigitalOcean API for the platform's backend packages: one client (dots-wrapper underneath;
 * retries honouring retry-after; time-out from config; cancellation) and the reads several
 * packages share.
 *
 * @packageDocumentation
 */
export {
  createDigitalOceanClient,
  createUnlessFound,
  DigitalOceanError,
  isNotFound,
  isUnprocessable,
  listAll,
  type DigitalOceanApi,
  type DigitalOceanCallContext,
  type DigitalOceanClient,
  type DigitalOceanClientOptions,
} from './client';
export {
  findKubernetesCluster,
  getDatabaseConnection,
  getKubeconfig,
  getPoolConnection,
  type DatabaseConnection,
  type KubernetesCluster,
  type PoolConnection,
} from './resources';
export { DIGITALOCEAN_TOKEN_SECRET, readDigitalOceanToken } from './token';
export { waitForState, type WaitForStateOptions } from './waitForState';
