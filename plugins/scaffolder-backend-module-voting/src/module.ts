import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  createVotingManifestsRenderAction,
  createVotingResultsReadAction,
  createVotingStackEnsureAction,
} from './actions';

/**
 * Scaffolder actions of the voting app (every `voting:*` action). To add an action, create
 * `src/actions/<resource><Verb>.ts` (see plugins/README.md), export it from `src/actions/index.ts`
 * and add it below.
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
      },
      async init({ scaffolder, config }) {
        scaffolder.addActions(
          createVotingManifestsRenderAction(),
          createVotingResultsReadAction({ config }),
          createVotingStackEnsureAction({ config }),
        );
      },
    });
  },
});
