import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createDeployAction } from './actions/deploy';
import { createHelmInstallAction } from './actions/helmInstall';
import { createReadResultsAction } from './actions/readResults';
import { createRenderManifestsAction } from './actions/renderManifests';

/**
 * Scaffolder actions for Kubernetes and the deployed voting stack. To add an action, create
 * `src/actions/<name>.ts` and add it to the list below.
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
          createRenderManifestsAction(),
          createReadResultsAction({ config }),
          createDeployAction({ config }),
          createHelmInstallAction({ config }),
        );
      },
    });
  },
});
