import {
  dialectProblems,
  missingActionFiles,
  registeredActions,
} from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { join } from 'node:path';
import module, * as exported from './index';

// The checks of module.test.ts for the environment actions; the module's older actions move to
// the dialect in a change of their own.
const ENVIRONMENT_ACTIONS = [
  'voting:environment:register',
  'voting:environment:unregister',
];

describe('the voting module: the environment actions', () => {
  it('registers them, without config, in the dialect', async () => {
    const actions = (await registeredActions(module)).filter(a =>
      ENVIRONMENT_ACTIONS.includes(a.id),
    );
    expect(actions.map(a => a.id).sort()).toEqual(ENVIRONMENT_ACTIONS);
    expect(
      actions.flatMap(a => dialectProblems(a, { provider: 'voting' })),
    ).toEqual([]);
  });

  it('exports their factories as create<Provider><Resource><Verb>Action', () => {
    expect(typeof exported.createVotingEnvironmentRegisterAction).toBe(
      'function',
    );
    expect(typeof exported.createVotingEnvironmentUnregisterAction).toBe(
      'function',
    );
  });

  it('has beside each its examples, its tests and a test that runs every example', () => {
    expect(
      missingActionFiles(join(__dirname, 'actions')).filter(f =>
        f.startsWith('environment'),
      ),
    ).toEqual([]);
  });
});
