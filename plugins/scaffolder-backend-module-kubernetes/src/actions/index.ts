export {
  createKubernetesHelmReleaseDeleteAction,
  type KubernetesHelmReleaseDeleteActionOptions,
} from './helmReleaseDelete';
export {
  createKubernetesHelmReleaseEnsureAction,
  type KubernetesHelmReleaseEnsureActionOptions,
} from './helmReleaseEnsure';
export {
  createKubernetesNamespaceDeleteAction,
  type KubernetesNamespaceDeleteActionOptions,
} from './namespaceDelete';
