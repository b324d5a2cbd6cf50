/**
 * What the scaffolder modules share to talk to a Kubernetes cluster: one connection (client-node
 * underneath), the API server's own dry-run check of objects, and waits for rollouts and load
 * balancers. A library (not a module's export) because Backstage modules do not import each other.
 *
 * @packageDocumentation
 */
export {
  KubernetesConnection,
  KubernetesError,
  ref,
  type KubeObject,
  type ApplyOptions,
  type ConnectionOptions,
} from './KubernetesConnection';
export { checkWithServer, type ServerCheck } from './serverCheck';
export { DNS_LABEL, DNS_LABEL_MESSAGE } from './names';
export {
  loadBalancerAddressOf,
  waitForLoadBalancer,
  waitForRollouts,
} from './rollout';
// until plugins/digitalocean-node replaces it (issue 8, item 1)
