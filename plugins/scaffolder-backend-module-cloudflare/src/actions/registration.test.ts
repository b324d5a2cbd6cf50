import { startTestBackend } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint, type TemplateAction } from '@backstage/plugin-scaffolder-node';
import module from '../index';

describe('the cloudflare scaffolder module', () => {
  it('registers every action, with a JSON schema and dry-run support, without config', async () => {
    const actions: TemplateAction<any, any, any>[] = [];
    const backend = await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions: (...added: TemplateAction<any, any, any>[]) => actions.push(...added) }]],
      features: [module],
    });
    expect(actions.map(a => a.id).sort()).toEqual(['cloudflare:dns:delete', 'cloudflare:dns:upsert', 'cloudflare:origin-certificate:create', 'cloudflare:zone:ssl']);
    for (const action of actions) {
      expect(action.supportsDryRun).toBe(true);
      expect(action.schema?.input).toMatchObject({ type: 'object' });
      expect(action.examples?.length).toBeGreaterThan(0);
    }
    await backend.stop();
  });
});
