import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  createCloudflareDnsDeleteAction,
  createCloudflareDnsEnsureAction,
  createCloudflareOriginCertificateDeleteAction,
  createCloudflareOriginCertificateEnsureAction,
  createCloudflareZoneSslEnsureAction,
} from './actions';

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
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, config }) {
        // Each action lives in `src/actions/<resource><Verb>.ts` and is exported from
        // `src/actions/index.ts`; add new ones to this list (module.test.ts checks it).
        scaffolder.addActions(
          createCloudflareDnsEnsureAction({ config }),
          createCloudflareDnsDeleteAction({ config }),
          createCloudflareZoneSslEnsureAction({ config }),
          createCloudflareOriginCertificateEnsureAction({ config }),
          createCloudflareOriginCertificateDeleteAction({ config }),
        );
      },
    });
  },
});
