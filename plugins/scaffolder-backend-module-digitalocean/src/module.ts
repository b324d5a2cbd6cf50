import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createDigitalOceanDatabaseCreateAction } from './actions/databaseCreate';
import { createDigitalOceanDatabaseDeleteAction } from './actions/databaseDelete';
import { createDigitalOceanKubernetesCreateAction } from './actions/kubernetesCreate';
import { createDigitalOceanKubernetesDeleteAction } from './actions/kubernetesDelete';
import { createDigitalOceanVpcEnsureAction } from './actions/vpcEnsure';

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
        // Each action lives in `src/actions/<name>.ts`; add new ones to this list.
        scaffolder.addActions(
          createDigitalOceanVpcEnsureAction({ config }),
          createDigitalOceanKubernetesCreateAction({ config }),
          createDigitalOceanDatabaseCreateAction({ config }),
          createDigitalOceanKubernetesDeleteAction({ config }),
          createDigitalOceanDatabaseDeleteAction({ config }),
        );
      },
    });
  },
});
