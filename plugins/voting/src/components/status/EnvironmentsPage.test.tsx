import { RELATION_OWNED_BY, type Entity } from '@backstage/catalog-model';
import {
  catalogApiRef,
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import {
  ENVIRONMENT_ANNOTATION,
  ENVIRONMENT_NAMESPACE,
  REGION_LABEL,
} from '@voting-platform/plugin-voting-common';
import { votingStatusApiRef, type EnvironmentStatuses } from '../../statusApi';
import { EnvironmentsPage } from './EnvironmentsPage';
import { GroupEnvironmentsCard } from './GroupEnvironmentsCard';
import { statusFixture } from './fixtures';

/** An environment's Component as the voting entity provider makes it, relations resolved. */
function environmentEntity(
  name: string,
  team = 'team-a',
  region?: string,
): Entity {
  const owner = `group:default/${team}`;
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: ENVIRONMENT_NAMESPACE,
      annotations: { [ENVIRONMENT_ANNOTATION]: name },
      ...(region ? { labels: { [REGION_LABEL]: region } } : {}),
    },
    spec: { type: 'website', lifecycle: 'production', owner },
    relations: [{ type: RELATION_OWNED_BY, targetRef: owner }],
  };
}

const group = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name, namespace: 'default' },
  spec: { type: 'team', children: [] },
});

const entities: Entity[] = [
  environmentEntity('alpha'),
  // its cluster cannot be checked: only its label knows its region
  environmentEntity('beta', 'team-a', 'ams3'),
  environmentEntity('gamma', 'team-b', 'nyc1'),
  environmentEntity('delta'),
  environmentEntity('secret', 'team-b'),
  // not an environment: the page leaves it out
  {
    ...environmentEntity('platform-portal'),
    metadata: { name: 'platform-portal', namespace: 'default' },
  },
  group('team-a'),
  group('team-b'),
];

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
      alerts: { state: 'warning' },
    }),
  ],
  denied: ['secret'],
  missing: [],
};

function fakeStatusApi(answer: () => Promise<EnvironmentStatuses>) {
  const asked: Array<string[] | undefined> = [];
  const notUsed = async () => {
    throw new Error('not used');
  };
  return {
    asked,
    api: {
      getStatus: notUsed,
      getSections: notUsed,
      watch: notUsed,
      getStatuses: async (names?: string[]) => {
        asked.push(names);
        return answer();
      },
    },
  };
}

const mountedRoutes = {
  mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
};

async function renderPage(
  answer: () => Promise<EnvironmentStatuses> = async () => statuses,
  statusRefreshMs?: number,
) {
  const status = fakeStatusApi(answer);
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [catalogApiRef, catalogApiMock({ entities })],
        [votingStatusApiRef, status.api],
      ]}
    >
      <EnvironmentsPage statusRefreshMs={statusRefreshMs} />
    </TestApiProvider>,
    mountedRoutes,
  );
  return status;
}

const ALL = ['alpha', 'beta', 'gamma', 'delta', 'secret', 'platform-portal'];

/** The environments the page links to, in the order it shows them. */
const listed = () =>
  screen
    .queryAllByRole('link')
    .map(link => link.textContent ?? '')
    .filter(text => ALL.includes(text));

const filters = () => within(screen.getByRole('search'));

/** Picks an option of one of the page's pickers (catalog-react autocompletes). */
async function pick(picker: 'Owner' | 'Region' | 'Status', option: string) {
  // the label also holds the outline's zero-width space
  const input = filters().getByLabelText(new RegExp(`^${picker}`));
  fireEvent.mouseDown(input);
  fireEvent.click(
    await within(await screen.findByRole('listbox')).findByRole('option', {
      name: option,
    }),
  );
  fireEvent.keyDown(input, { key: 'Escape' });
}

/** Takes a picked option of a picker back. */
function unpick(option: string) {
  const chip = filters().getByRole('button', { name: option });
  fireEvent.click(chip.querySelector('svg')!);
}

describe('EnvironmentsPage', () => {
  it('shows progress while the batch status call runs', async () => {
    await renderPage(() => new Promise(() => {}));
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
    expect(listed()).toEqual([]);
  });

  it("lists the catalog's environments by owner, with one batch call for their statuses, linking to entity pages", async () => {
    const status = await renderPage();
    expect(await screen.findByRole('link', { name: 'alpha' })).toHaveAttribute(
      'href',
      '/catalog/voting-environments/component/alpha',
    );
    // team-a's table, then team-b's; each sorted by name
    expect(listed()).toEqual(['alpha', 'beta', 'delta', 'gamma', 'secret']);
    expect(status.asked).toEqual([
      ['alpha', 'beta', 'delta', 'gamma', 'secret'],
    ]);
    expect(screen.getByRole('link', { name: 'team-a' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'team-b' })).toBeInTheDocument();
    // regions from the entities' labels, else from the cluster sections
    expect(screen.getAllByText('nyc1')).toHaveLength(2);
    expect(screen.getByText('fra1')).toBeInTheDocument();
    expect(screen.getByText('ams3')).toBeInTheDocument();
    // secret's status is not the user's to read, and it has no label
    expect(screen.getAllByText('unknown')).toHaveLength(1);
    expect(screen.getByText('not yours to read')).toBeInTheDocument();
  });

  it('says so when no environment is in the catalog, asking no status', async () => {
    const status = fakeStatusApi(async () => statuses);
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [catalogApiRef, catalogApiMock({ entities: [group('team-a')] })],
          [votingStatusApiRef, status.api],
        ]}
      >
        <EnvironmentsPage />
      </TestApiProvider>,
      mountedRoutes,
    );
    expect(
      await screen.findByText('No environment matches.'),
    ).toBeInTheDocument();
    expect(status.asked).toEqual([]);
  });

  it('asks for the statuses again at its interval, the list shown meanwhile', async () => {
    // beta's cluster recovers between the first answer and the next
    let answers = 0;
    const recovered: EnvironmentStatuses = {
      ...statuses,
      items: statuses.items.map(item =>
        item.name === 'beta' ? statusFixture('beta') : item,
      ),
    };
    const status = await renderPage(
      async () => (answers++ === 0 ? statuses : recovered),
      300,
    );
    const beta = async () =>
      within(
        (await screen.findByRole('link', { name: 'beta' })).closest('tr')!,
      );
    expect((await beta()).getAllByText('Error').length).toBeGreaterThan(0);
    await waitFor(() => expect(status.asked.length).toBeGreaterThan(1));
    await waitFor(async () =>
      expect((await beta()).queryAllByText('Error')).toEqual([]),
    );
    expect(screen.queryByTestId('progress')).toBeNull();
    expect(new Set(status.asked.map(names => names?.join()))).toEqual(
      new Set(['alpha,beta,delta,gamma,secret']),
    );
  });

  it('still lists the environments when the status call fails, and says why', async () => {
    await renderPage(async () => {
      throw new Error('the voting backend is down');
    });
    expect(
      (await screen.findAllByText(/the voting backend is down/)).length,
    ).toBeGreaterThan(0);
    expect(listed()).toEqual(['alpha', 'beta', 'delta', 'gamma', 'secret']);
  });

  it('filters by status, region and owner', async () => {
    await renderPage();
    await screen.findByRole('link', { name: 'alpha' });
    await pick('Status', 'Error');
    await waitFor(() => expect(listed()).toEqual(['beta']));
    unpick('Error');
    await pick('Region', 'ams3');
    await waitFor(() => expect(listed()).toEqual(['beta']));
    unpick('ams3');
    await pick('Region', 'fra1');
    await waitFor(() => expect(listed()).toEqual(['delta']));
    await pick('Region', 'nyc1');
    await waitFor(() => expect(listed()).toEqual(['alpha', 'delta', 'gamma']));
    await pick('Owner', 'team-b');
    await waitFor(() => expect(listed()).toEqual(['gamma']));
    await pick('Status', 'Warning');
    await waitFor(() =>
      expect(screen.getByText('No environment matches.')).toBeInTheDocument(),
    );
  });

  it('sorts by status, worst first, and by name either way', async () => {
    await renderPage();
    await screen.findByRole('link', { name: 'alpha' });
    // the first table's header: team-a's
    const column = (title: string) =>
      within(
        screen.getAllByRole('columnheader', { name: title })[0]!,
      ).getByRole('button');
    // worst first, within each owner's table
    fireEvent.click(column('Status'));
    await waitFor(() =>
      expect(listed()).toEqual(['beta', 'delta', 'alpha', 'gamma', 'secret']),
    );
    fireEvent.click(column('Environment'));
    await waitFor(() =>
      expect(listed()).toEqual(['alpha', 'beta', 'delta', 'gamma', 'secret']),
    );
    fireEvent.click(column('Environment'));
    await waitFor(() =>
      expect(listed()).toEqual(['delta', 'beta', 'alpha', 'gamma', 'secret']),
    );
  });
});

describe('GroupEnvironmentsCard', () => {
  it("lists only the group's environments, without an owner picker", async () => {
    const status = fakeStatusApi(async () => statuses);
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [catalogApiRef, catalogApiMock({ entities })],
          [votingStatusApiRef, status.api],
        ]}
      >
        <EntityProvider entity={group('team-b')}>
          <GroupEnvironmentsCard />
        </EntityProvider>
      </TestApiProvider>,
      mountedRoutes,
    );
    expect(
      await screen.findByRole('link', { name: 'gamma' }),
    ).toBeInTheDocument();
    expect(listed()).toEqual(['gamma', 'secret']);
    expect(status.asked).toHaveLength(1);
    expect(filters().queryByLabelText(/^Owner/)).not.toBeInTheDocument();
  });
});
