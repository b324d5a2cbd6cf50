export {
  createKubernetesHelmReleaseEnsureAction,
  type KubernetesHelmReleaseEnsureActionOptions,
} from './helmReleaseEnsure';
