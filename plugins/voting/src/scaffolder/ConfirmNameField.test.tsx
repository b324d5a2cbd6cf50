import { createFieldValidation } from '@backstage/plugin-scaffolder-react/alpha';
import { validateConfirmName } from './ConfirmNameField';

const check = (
  value: string,
  formData: Record<string, string>,
  matches?: string,
) => {
  const validation = createFieldValidation();
  validateConfirmName(value, validation, {
    formData,
    schema: {},
    uiSchema: matches ? { 'ui:options': { matches } } : {},
    apiHolder: { get: () => undefined },
  } as any);
  return validation.__errors;
};

describe('the VotingConfirmName field', () => {
  it('accepts exactly the name, nothing else', () => {
    expect(check('demo', { name: 'demo' })).toEqual([]);
    expect(check('Demo', { name: 'demo' })).toEqual([
      'type "demo" exactly, as name says',
    ]);
    expect(check('demo ', { name: 'demo' })).toHaveLength(1);
    expect(check('', { name: 'demo' })).toHaveLength(1);
  });

  it('compares with the field ui:options.matches names, and wants it filled first', () => {
    expect(check('x', { environment: 'x', name: 'y' }, 'environment')).toEqual(
      [],
    );
    expect(check('x', {})).toEqual(['fill in name first']);
  });
});
