import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createDeployAction } from './actions/deploy';
import { createVotingEnvironmentRegisterAction } from './actions/environmentRegister';
import { createVotingEnvironmentUnregisterAction } from './actions/environmentUnregister';
import { createReadResultsAction } from './actions/readResults';
import { createRenderManifestsAction } from './actions/renderManifests';

/**
 * Scaffolder actions of the voting app (every `voting:*` action). To add an action, create
 * `src/actions/<name>.ts` and add it below.
 *
 * @public
 */
export const scaffolderModuleVoting = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'voting',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolder, config, discovery, auth }) {
        scaffolder.addActions(
          createRenderManifestsAction(),
          createReadResultsAction({ config }),
          createDeployAction({ config }),
          createVotingEnvironmentRegisterAction({ discovery, auth }),
          createVotingEnvironmentUnregisterAction({ discovery, auth }),
        );
      },
    });
  },
});
