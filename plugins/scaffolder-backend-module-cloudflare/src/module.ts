import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createCloudflareDnsDeleteAction } from './actions/dnsDelete';
import { createCloudflareDnsUpsertAction } from './actions/dnsUpsert';
import { createCloudflareOriginCertificateCreateAction } from './actions/originCertificateCreate';
import { createCloudflareZoneSslAction } from './actions/zoneSsl';

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
        // Each action lives in `src/actions/<name>.ts`; add new ones to this list.
        scaffolder.addActions(
          createCloudflareDnsUpsertAction({ config }),
          createCloudflareDnsDeleteAction({ config }),
          createCloudflareZoneSslAction({ config }),
          createCloudflareOriginCertificateCreateAction({ config }),
        );
      },
    });
  },
});
