import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
// the real voting backend runs beside the actions in the test backend, as in the portal
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import votingBackend from '@voting-platform/plugin-voting-backend';
import { environmentSpecFixture } from '@voting-platform/plugin-voting-common/testUtils';
import { createVotingEnvironmentRegisterAction } from '../../actions/environmentRegister';
import { createVotingEnvironmentUnregisterAction } from '../../actions/environmentUnregister';
import type { VotingEnvironmentActionOptions } from '../environments';

/**
 * A real backend with the voting plugin (its environments route on SQLite), and the environment
 * actions made with the discovery and auth services of a scaffolder module in it: they reach
 * the route as they do in the portal, with the scaffolder's service token.
 */
export async function startVotingBackend() {
  let services: VotingEnvironmentActionOptions | undefined;
  const backend = await startTestBackend({
    features: [
      votingBackend,
      catalogServiceMock.factory({ entities: [] }),
      createBackendModule({
        pluginId: 'scaffolder',
        moduleId: 'test-services',
        register(reg) {
          reg.registerInit({
            deps: {
              discovery: coreServices.discovery,
              auth: coreServices.auth,
            },
            async init(deps) {
              services = deps;
            },
          });
        },
      }),
    ],
  });
  const options = services!;
  return {
    register: createVotingEnvironmentRegisterAction(options),
    unregister: createVotingEnvironmentUnregisterAction(options),
    stop: () => backend.stop(),
  };
}

/** An environment as the create template's earlier steps describe it. */
export const environmentInput = { name: 'demo', ...environmentSpecFixture() };
