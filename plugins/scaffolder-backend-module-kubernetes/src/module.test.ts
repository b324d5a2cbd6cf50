import {
  dialectProblems,
  factoryName,
  missingActionFiles,
  registeredActions,
} from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { join } from 'node:path';
import module, * as exported from './index';

describe('the kubernetes scaffolder module', () => {
  it('registers every action, without config, each in the dialect: dry runs, a JSON schema, examples that use it, an outcome', async () => {
    const actions = await registeredActions(module);
    expect(actions.map(a => a.id).sort()).toEqual([
      'kubernetes:helm-release:delete',
      'kubernetes:helm-release:ensure',
      'kubernetes:namespace:delete',
    ]);
    expect(
      actions.flatMap(a => dialectProblems(a, { provider: 'kubernetes' })),
    ).toEqual([]);
  });

  it('exports a factory for every action it registers, named create<Provider><Resource><Verb>Action', async () => {
    const factories = Object.keys(exported).filter(name =>
      /^create.*Action$/.test(name),
    );
    const names = (await registeredActions(module)).map(a =>
      factoryName(a.id, 'Kubernetes'),
    );
    expect(factories.sort()).toEqual(names.sort());
  });

  it('has beside each action its examples, its tests and a test that runs every example', () => {
    expect(missingActionFiles(join(__dirname, 'actions'))).toEqual([]);
  });
});
