import type { Entity } from '@backstage/catalog-model';
import { identityApiRef } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { createFieldValidation } from '@backstage/plugin-scaffolder-react/alpha';
import { TeamOwner, validateTeamOwner } from './TeamOwnerField';

const groups: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { namespace: 'default', name: 'team-b' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: {
      namespace: 'default',
      name: 'platform-team',
      title: 'Platform',
    },
  },
];

async function renderField(
  ownershipEntityRefs: string[],
  formData: string | undefined,
  getEntities: () => Promise<{ items: Entity[] }> = async () => ({
    items: groups,
  }),
) {
  const onChange = jest.fn();
  const catalogApi = { getEntities: jest.fn(getEntities) };
  const identityApi = {
    getBackstageIdentity: async () => ({
      type: 'user' as const,
      userEntityRef: 'user:default/alice',
      ownershipEntityRefs,
    }),
  };
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [catalogApiRef, catalogApi],
        [identityApiRef, identityApi],
      ]}
    >
      <TeamOwner
        {...({} as any)}
        formData={formData}
        onChange={onChange}
        schema={{ title: 'Owner' }}
        idSchema={{ $id: 'root_owner' }}
        required
        rawErrors={[]}
      />
    </TestApiProvider>,
  );
  return { onChange, catalogApi };
}

describe('the VotingTeamOwner field', () => {
  it("starts on the signed-in user's team", async () => {
    const { onChange, catalogApi } = await renderField(
      ['user:default/alice', 'group:default/team-b'],
      undefined,
    );
    await waitFor(() =>
      expect(onChange).toHaveBeenCalledWith('group:default/team-b'),
    );
    expect(catalogApi.getEntities).toHaveBeenCalledWith(
      expect.objectContaining({ filter: { kind: 'Group' } }),
    );
  });

  it('keeps a choice already made, and offers every team by title', async () => {
    const { onChange } = await renderField(
      ['user:default/alice', 'group:default/team-b'],
      'group:default/platform-team',
    );
    fireEvent.mouseDown(
      await screen.findByRole('button', { name: /Platform/ }),
    );
    const options = within(screen.getByRole('listbox'));
    expect(options.getAllByRole('option').map(o => o.textContent)).toEqual([
      'Platform',
      'team-b',
    ]);
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.click(options.getByText('team-b'));
    expect(onChange).toHaveBeenCalledWith('group:default/team-b');
  });

  it('leaves the field empty for a user in no team', async () => {
    const { onChange } = await renderField(['user:default/alice'], undefined);
    await screen.findByLabelText(/Owner/);
    await waitFor(() =>
      expect(screen.getByRole('button', { name: /Owner/ })).not.toHaveAttribute(
        'aria-disabled',
      ),
    );
    expect(onChange).not.toHaveBeenCalled();
  });

  it('becomes a text field saying why when the catalog cannot be read, and keeps what is typed', async () => {
    const { onChange } = await renderField(
      ['user:default/alice', 'group:default/team-b'],
      undefined,
      async () => {
        throw new Error('catalog unavailable (503)');
      },
    );
    expect(
      await screen.findByText(
        /The teams could not be read \(catalog unavailable \(503\)\): type the owning group's reference/,
      ),
    ).toBeInTheDocument();
    const field = screen.getByRole('textbox', { name: /Owner/ });
    fireEvent.change(field, { target: { value: 'group:default/team-a' } });
    expect(onChange).toHaveBeenCalledWith('group:default/team-a');
    expect(screen.queryByRole('button', { name: /Owner/ })).toBeNull();
  });
});

describe('validateTeamOwner', () => {
  const errorsOf = (value: string) => {
    const validation = createFieldValidation();
    validateTeamOwner(value, validation, {} as any);
    return validation.__errors;
  };

  it("accepts a group's reference, and an empty value (required says so)", () => {
    expect(errorsOf('group:default/team-a')).toEqual([]);
    expect(errorsOf('group:team-a')).toEqual([]);
    expect(errorsOf('')).toEqual([]);
  });

  it('refuses a user, a bare name or no reference at all, saying what to write', () => {
    for (const value of ['user:default/alice', 'team-a', 'group:a:b/c/d']) {
      expect(errorsOf(value)).toEqual([
        `"${value}" is not a group's reference: write group:<namespace>/<name>, e.g. group:default/team-a`,
      ]);
    }
  });
});
