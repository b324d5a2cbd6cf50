import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  createKubernetesHelmReleaseDeleteAction,
  createKubernetesHelmReleaseEnsureAction,
  createKubernetesNamespaceDeleteAction,
} from './actions';

/**
 * Scaffolder actions for Kubernetes clusters (nothing specific to one app: the voting actions are
 * in the voting module). To add an action, create
 * `src/actions/<resource><Verb>.ts` (see plugins/README.md), export it from `src/actions/index.ts`
 * and add it below.
 *
 * @public
 */
export const scaffolderModuleKubernetes = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'kubernetes',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, config }) {
        scaffolder.addActions(
          createKubernetesHelmReleaseEnsureAction({ config }),
          createKubernetesHelmReleaseDeleteAction({ config }),
          createKubernetesNamespaceDeleteAction({ config }),
        );
      },
    });
  },
});
