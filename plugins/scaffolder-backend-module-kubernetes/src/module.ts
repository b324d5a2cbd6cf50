import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createHelmInstallAction } from './actions/helmInstall';

/**
 * Scaffolder actions for Kubernetes clusters (nothing specific to one app: the voting actions are
 * in the voting module). To add an action, create `src/actions/<name>.ts` and add it below.
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
        scaffolder.addActions(createHelmInstallAction({ config }));
      },
    });
  },
});
