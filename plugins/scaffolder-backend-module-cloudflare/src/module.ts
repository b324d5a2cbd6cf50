import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  scaffolderActionsExtensionPoint,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';

/**
 * The Cloudflare actions of this module. Each action lives in `src/actions/<name>.ts` and is added
 * here with one import and one entry. None yet: every Cloudflare action needs its API.
 */
const actions: TemplateAction<any, any, any>[] = [];

/**
 * Registers the Cloudflare scaffolder actions.
 *
 * @public
 */
export const scaffolderModuleCloudflare = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'cloudflare',
  register({ registerInit }) {
    registerInit({
      deps: { scaffolder: scaffolderActionsExtensionPoint },
      async init({ scaffolder }) {
        scaffolder.addActions(...actions);
      },
    });
  },
});
