import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  createDigitalOceanDatabaseDeleteAction,
  createDigitalOceanDatabaseEnsureAction,
  createDigitalOceanKubernetesDeleteAction,
  createDigitalOceanKubernetesEnsureAction,
  createDigitalOceanVpcEnsureAction,
} from './actions';

/**
 * Registers the DigitalOcean scaffolder actions.
 *
 * @public
 */
export const scaffolderModuleDigitalOcean = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'digitalocean',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, config }) {
        // Each action lives in `src/actions/<resource><Verb>.ts` and is exported from
        // `src/actions/index.ts`; add new ones to this list (module.test.ts checks it).
        scaffolder.addActions(
          createDigitalOceanVpcEnsureAction({ config }),
          createDigitalOceanKubernetesEnsureAction({ config }),
          createDigitalOceanDatabaseEnsureAction({ config }),
          createDigitalOceanKubernetesDeleteAction({ config }),
          createDigitalOceanDatabaseDeleteAction({ config }),
        );
      },
    });
  },
});
