import { startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  scaffolderActionsExtensionPoint,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
// the real voting backend runs beside this module in the test backend, as in the portal
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import votingBackend from '@voting-platform/plugin-voting-backend';
import { environmentSpecFixture } from '@voting-platform/plugin-voting-common/testUtils';
import { scaffolderModuleVoting } from '../../module';

/**
 * A real backend with the voting plugin (its environments route on SQLite) and this module,
 * whose actions reach the route as they do in the portal: discovery and a service token.
 */
export async function startVotingBackend() {
  const actions: TemplateAction<any, any, any>[] = [];
  const backend = await startTestBackend({
    extensionPoints: [
      [
        scaffolderActionsExtensionPoint,
        {
          addActions: (...added: TemplateAction<any, any, any>[]) =>
            actions.push(...added),
        },
      ],
    ],
    features: [
      scaffolderModuleVoting,
      votingBackend,
      catalogServiceMock.factory({ entities: [] }),
    ],
  });
  const action = (id: string) => {
    const found = actions.find(a => a.id === id);
    if (!found) throw new Error(`${id} is not registered`);
    return found;
  };
  return { backend, action, stop: () => backend.stop() };
}

/** An environment as the create template's earlier steps describe it. */
export const environmentInput = { name: 'demo', ...environmentSpecFixture() };
