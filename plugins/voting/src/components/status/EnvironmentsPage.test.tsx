import type { Entity } from '@backstage/catalog-model';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { fireEvent, screen, within } from '@testing-library/react';
import { votingStatusApiRef, type EnvironmentStatuses } from '../../statusApi';
import { EnvironmentsPage } from './EnvironmentsPage';
import { GroupEnvironmentsCard } from './GroupEnvironmentsCard';
import { statusFixture } from './fixtures';

const statuses: EnvironmentStatuses = {
  items: [
    statusFixture('alpha'),
    statusFixture('beta', {
      cluster: { state: 'error', detail: null, error: 'gone' },
    }),
    { ...statusFixture('gamma'), owner: 'group:default/team-b' },
    statusFixture('delta', {
      cluster: {
        state: 'ok',
        detail: { ...statusFixture().cluster.detail!, region: 'fra1' },
      },
    }),
  ],
  denied: ['secret'],
  missing: [],
};

function api(answer: () => Promise<EnvironmentStatuses>) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fake: {
      getStatus: async () => {
        throw new Error('not used');
      },
      getSections: async () => {
        throw new Error('not used');
      },
      getStatuses: async () => {
        calls += 1;
        return answer();
      },
      watch: async () => {
        throw new Error('not used');
      },
    },
  };
}

const filters = () => within(screen.getByRole('search'));

const mountedRoutes = {
  mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
};

function renderPage(answer: () => Promise<EnvironmentStatuses>) {
  const a = api(answer);
  return renderInTestApp(
    <TestApiProvider apis={[[votingStatusApiRef, a.fake]]}>
      <EnvironmentsPage />
    </TestApiProvider>,
    mountedRoutes,
  ).then(() => a);
}

/** The environments the page links to, whatever it shows besides. */
const listed = () =>
  ['alpha', 'beta', 'gamma', 'delta'].filter(name =>
    screen.queryByRole('link', { name }),
  );

/** Picks an option of one of the page's filters. */
async function pick(filter: 'Status' | 'Owner' | 'Region', option: string) {
  fireEvent.mouseDown(filters().getByLabelText(filter));
  fireEvent.click(within(screen.getByRole('listbox')).getByText(option));
}

describe('EnvironmentsPage', () => {
  it('lists every environment by owner from one batch call, linking to entity pages', async () => {
    const a = await renderPage(async () => statuses);
    expect(await screen.findByRole('link', { name: 'alpha' })).toHaveAttribute(
      'href',
      '/catalog/voting-environments/component/alpha',
    );
    expect(listed()).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    // each environment's region, from its cluster section (beta's could not be checked)
    expect(screen.getAllByText('nyc1')).toHaveLength(2);
    expect(screen.getByText('fra1')).toBeInTheDocument();
    expect(screen.getByText('unknown')).toBeInTheDocument();
    expect(screen.getByText('team-a')).toBeInTheDocument();
    expect(screen.getByText('team-b')).toBeInTheDocument();
    expect(
      screen.getByText(/1 more environment you may not read/),
    ).toBeInTheDocument();
    expect(a.calls).toBe(1);
  });

  it('filters by status and by owner', async () => {
    await renderPage(async () => statuses);
    await screen.findByRole('link', { name: 'alpha' });
    await pick('Status', 'Error');
    expect(listed()).toEqual(['beta']);
    await pick('Status', 'All');
    await pick('Owner', 'group:default/team-b');
    expect(listed()).toEqual(['gamma']);
  });

  it('filters by region, with owner and status', async () => {
    await renderPage(async () => statuses);
    await screen.findByRole('link', { name: 'alpha' });
    // beta's cluster could not be checked: its region is unknown, so no region matches it
    await pick('Region', 'nyc1');
    expect(listed()).toEqual(['alpha', 'gamma']);
    await pick('Owner', 'group:default/team-a');
    expect(listed()).toEqual(['alpha']);
    await pick('Region', 'fra1');
    expect(listed()).toEqual(['delta']);
    await pick('Status', 'Error');
    expect(listed()).toEqual([]);
    expect(screen.getByText('No environment matches.')).toBeInTheDocument();
  });

  it('says so when nothing matches', async () => {
    await renderPage(async () => ({ items: [], denied: [], missing: [] }));
    expect(
      await screen.findByText('No environment matches.'),
    ).toBeInTheDocument();
  });

  it('shows why the batch call failed', async () => {
    await renderPage(async () => {
      throw new Error('the voting backend is down');
    });
    expect(
      await screen.findAllByText(/the voting backend is down/),
    ).not.toHaveLength(0);
  });
});

describe('GroupEnvironmentsCard', () => {
  it("lists only the group's environments", async () => {
    const group: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name: 'team-b', namespace: 'default' },
      spec: { type: 'team', children: [] },
    };
    await renderInTestApp(
      <TestApiProvider
        apis={[[votingStatusApiRef, api(async () => statuses).fake]]}
      >
        <EntityProvider entity={group}>
          <GroupEnvironmentsCard />
        </EntityProvider>
      </TestApiProvider>,
      mountedRoutes,
    );
    expect(
      await screen.findByRole('link', { name: 'gamma' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('link', { name: 'alpha' }),
    ).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Owner')).not.toBeInTheDocument();
  });
});
