import {
  coreServices,
  createBackendModule,
  type LoggerService,
} from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
// the catalog's view of the records comes from the real entity provider
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import { VotingEnvironmentProvider } from '@voting-platform/plugin-catalog-backend-module-voting';
// the real voting backend runs beside the actions in the test backend, as in the portal
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import votingBackend from '@voting-platform/plugin-voting-backend';
import { environmentSpecFixture } from '@voting-platform/plugin-voting-common/testUtils';
import { createVotingEnvironmentRegisterAction } from '../../actions/environmentRegister';
import { createVotingEnvironmentUnregisterAction } from '../../actions/environmentUnregister';
import type { CatalogWaitOptions } from '../catalogWait';
import type { VotingEnvironmentActionOptions } from '../environments';

type Services = Omit<VotingEnvironmentActionOptions, 'catalogWait'> & {
  logger: LoggerService;
};

/**
 * A catalog that is never behind the records: before each read, the real voting entity provider
 * reads every record from the voting backend and its entities replace the catalog's. (The real
 * catalog, which takes a few seconds, is the journey test's.)
 */
async function upToDateCatalog(services: Services): Promise<CatalogService> {
  let entities: Entity[] = [];
  const provider = new VotingEnvironmentProvider(services);
  await provider.connect({
    async applyMutation(mutation) {
      if (mutation.type === 'full')
        entities = mutation.entities.map(deferred => deferred.entity);
    },
    async refresh() {},
  });
  const read = async () => {
    await provider.refresh();
    return catalogServiceMock({ entities });
  };
  return catalogServiceMock.mock({
    getEntityByRef: async (ref, options) =>
      (await read()).getEntityByRef(ref, options),
    getEntities: async (request, options) =>
      (await read()).getEntities(request, options),
  });
}

/**
 * A real backend with the voting plugin (its environments route on SQLite), and the environment
 * actions made with the discovery and auth services of a scaffolder module in it: they reach
 * the route as they do in the portal, with the scaffolder's service token. They wait for a
 * catalog that is never behind (see `upToDateCatalog`); `actions` makes them with another.
 */
export async function startVotingBackend() {
  let services: Services | undefined;
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
              logger: coreServices.logger,
            },
            async init(deps) {
              services = deps;
            },
          });
        },
      }),
    ],
  });
  const { discovery, auth } = services!;
  const catalog = await upToDateCatalog(services!);
  const actions = (catalogWait: Partial<CatalogWaitOptions> = {}) => {
    const options = {
      discovery,
      auth,
      catalogWait: { catalog, ...catalogWait },
    };
    return {
      register: createVotingEnvironmentRegisterAction(options),
      unregister: createVotingEnvironmentUnregisterAction(options),
    };
  };
  return {
    ...actions(),
    actions,
    catalog,
    stop: () => backend.stop(),
  };
}

/** An environment as the create template's earlier steps describe it. */
export const environmentInput = { name: 'demo', ...environmentSpecFixture() };
