import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  scaffolderActionsExtensionPoint,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';

/**
 * The DigitalOcean actions of this module. Each action lives in `src/actions/<name>.ts` and is added
 * here with one import and one entry. None yet: every DigitalOcean action needs its API.
 */
const actions: TemplateAction<any, any, any>[] = [];

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
      deps: { scaffolder: scaffolderActionsExtensionPoint },
      async init({ scaffolder }) {
        scaffolder.addActions(...actions);
      },
    });
  },
});
