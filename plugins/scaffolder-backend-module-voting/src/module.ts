import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  createVotingEnvironmentRegisterAction,
  createVotingEnvironmentUnregisterAction,
  createVotingManifestsRenderAction,
  createVotingResultsReadAction,
  createVotingStackEnsureAction,
} from './actions';
import { catalogWaitTimeoutFromConfig } from './lib/catalogWait';

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
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
      },
      async init({ scaffolder, config, discovery, auth, catalog }) {
        const environments = {
          discovery,
          auth,
          catalogWait: {
            catalog,
            timeoutMs: catalogWaitTimeoutFromConfig(config),
          },
        };
        scaffolder.addActions(
          createVotingManifestsRenderAction(),
          createVotingResultsReadAction({ config }),
          createVotingStackEnsureAction({ config }),
          createVotingEnvironmentRegisterAction(environments),
          createVotingEnvironmentUnregisterAction(environments),
        );
      },
    });
  },
});
