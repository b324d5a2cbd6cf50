import type { Entity } from '@backstage/catalog-model';
import { identityApiRef } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { TeamOwner } from './TeamOwnerField';

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
) {
  const onChange = jest.fn();
  const catalogApi = { getEntities: jest.fn(async () => ({ items: groups })) };
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
});
