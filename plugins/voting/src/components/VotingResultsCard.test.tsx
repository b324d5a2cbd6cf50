import { Entity } from '@backstage/catalog-model';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { pollResultsFixture } from '@voting-platform/plugin-voting-common/testUtils';
import type { EnvironmentStatus } from '@voting-platform/plugin-voting-common';
import { votingStatusApiRef, type VotingStatusApi } from '../statusApi';
import { SANDBOX_NOTE } from './SandboxNote';
import { signalsFake } from './__testUtils__/signalsFake';
import { statusFixture } from './status/fixtures';
import { VotingResultsCard } from './VotingResultsCard';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'result',
    namespace: 'default',
    annotations: {
      'voting-platform.io/result-url': 'http://localhost:8081',
      'voting-platform.io/vote-url': 'http://localhost:8080',
    },
  },
  spec: { type: 'website', lifecycle: 'production', owner: 'team' },
};

/** Stands in for the voting backend: answers with a fixed body and records the URL. */
function backend(status: number, body: unknown) {
  const requested: string[] = [];
  const fetchApi = {
    fetch: async (url: RequestInfo | URL) => {
      requested.push(String(url));
      return new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    },
  };
  const discoveryApi = {
    getBaseUrl: async (id: string) => `http://backstage.test/api/${id}`,
  };
  return { requested, fetchApi, discoveryApi };
}

async function renderCard(
  api: ReturnType<typeof backend>,
  annotations = entity.metadata.annotations,
) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [fetchApiRef, api.fetchApi],
        [discoveryApiRef, api.discoveryApi],
      ]}
    >
      <EntityProvider
        entity={{ ...entity, metadata: { ...entity.metadata, annotations } }}
      >
        <VotingResultsCard refreshIntervalMs={0} />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('VotingResultsCard', () => {
  it("shows the entity's tallies and links to the apps", async () => {
    const api = backend(200, {
      entityRef: 'component:default/result',
      resultUrl: 'http://localhost:8081',
      results: pollResultsFixture(),
    });
    await renderCard(api);
    expect(await screen.findByText('Cats or dogs?')).toBeInTheDocument();
    expect(screen.getByText('2 (66.7%)')).toBeInTheDocument();
    expect(screen.getByText('1 (33.3%)')).toBeInTheDocument();
    expect(screen.getByText(/3 votes in poll/)).toBeInTheDocument();
    expect(screen.getByText('Vote').closest('a')).toHaveAttribute(
      'href',
      'http://localhost:8080',
    );
    expect(api.requested).toEqual([
      'http://backstage.test/api/voting/entities/component/default/result/results',
    ]);
    expect(screen.queryByRole('note')).not.toBeInTheDocument();
  });

  it('says in sandbox mode where the votes come from, and links to the local vote app', async () => {
    const api = backend(200, {
      entityRef: 'component:default/result',
      resultUrl: 'http://127.0.0.1:8081',
      results: pollResultsFixture(),
      servedBy: {
        kind: 'local-stack',
        voteUrl: 'http://127.0.0.1:8080',
        resultUrl: 'http://127.0.0.1:8081',
      },
    });
    await renderCard(api, {
      'voting-platform.io/result-url': 'https://result.demo.example.com',
      'voting-platform.io/vote-url': 'https://vote.demo.example.com',
    });
    expect(await screen.findByRole('note')).toHaveTextContent(
      "Sandbox: these votes come from the voting stack running on this machine, not from the environment's cluster",
    );
    expect(screen.getByText('Vote').closest('a')).toHaveAttribute(
      'href',
      'http://127.0.0.1:8080',
    );
    expect(
      screen.getByText('Open the result app').closest('a'),
    ).toHaveAttribute('href', 'http://127.0.0.1:8081');
  });

  it('says clearly that the result service cannot be reached, and keeps the links', async () => {
    const api = backend(503, {
      error: {
        name: 'ServiceUnavailableError',
        message:
          'the result service of component:default/result is not available',
      },
      response: { statusCode: 503 },
    });
    await renderCard(api);
    expect(
      await screen.findByText(/The result service cannot be reached/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(
        /the result service of component:default\/result is not available/,
      ).length,
    ).toBeGreaterThan(0);
    expect(screen.getByText('Vote').closest('a')).toHaveAttribute(
      'href',
      'http://localhost:8080',
    );
  });

  it("shows the backend's other errors", async () => {
    const api = backend(404, {
      error: {
        name: 'NotFoundError',
        message: 'no entity component:default/result in the catalog',
      },
      response: { statusCode: 404 },
    });
    await renderCard(api);
    expect(
      (
        await screen.findAllByText(
          /no entity component:default\/result in the catalog/,
        )
      ).length,
    ).toBeGreaterThan(0);
  });
});

describe('VotingResultsCard of an environment', () => {
  const environment: Entity = {
    ...entity,
    metadata: {
      name: 'demo',
      namespace: 'voting-environments',
      annotations: {
        'voting-platform.io/environment': 'demo',
        'voting-platform.io/result-url': 'https://result.demo.example.com',
        'voting-platform.io/vote-url': 'https://vote.demo.example.com',
      },
    },
  };

  async function renderEnvironmentCard(
    answer: () => EnvironmentStatus,
    signals = signalsFake(),
    pending?: () => Promise<never>,
  ) {
    const asked: string[] = [];
    const watched: string[] = [];
    const api: VotingStatusApi = {
      getStatus: async () => {
        throw new Error('not used: the card asks for the votes alone');
      },
      getSections: async (name, sections) => {
        asked.push(`${name}: ${sections.join(',')}`);
        return pending ? pending() : answer();
      },
      getStatuses: async () => {
        throw new Error('not used');
      },
      watch: async name => {
        watched.push(name);
        return { leaseSeconds: 60 };
      },
    };
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [votingStatusApiRef, api],
          [signalApiRef, signals.api],
        ]}
      >
        <EntityProvider entity={environment}>
          <VotingResultsCard refreshIntervalMs={0} />
        </EntityProvider>
      </TestApiProvider>,
    );
    return { asked, watched, signals };
  }

  it('shows bars, totals and percentages from the votes section, and links to the apps', async () => {
    const { watched } = await renderEnvironmentCard(() => statusFixture());
    expect(await screen.findByText('Cats or dogs?')).toBeInTheDocument();
    expect(screen.getByText('2 (66.7%)')).toBeInTheDocument();
    expect(screen.getByLabelText('Cats: 66.7%')).toBeInTheDocument();
    expect(screen.getByText(/3 votes in poll pets/)).toBeInTheDocument();
    expect(screen.getByText('Vote').closest('a')).toHaveAttribute(
      'href',
      'https://vote.demo.example.com',
    );
    expect(
      screen.getByText('Open the result app').closest('a'),
    ).toHaveAttribute('href', 'https://result.demo.example.com');
    expect(watched).toEqual(['demo']);
  });

  it('shows progress until the first answer', async () => {
    await renderEnvironmentCard(
      statusFixture,
      undefined,
      () => new Promise(() => {}),
    );
    expect(await screen.findByRole('progressbar')).toBeInTheDocument();
    expect(screen.queryByText(/in poll/)).not.toBeInTheDocument();
  });

  it("says so when the backend refuses the user the environment's status", async () => {
    await renderEnvironmentCard(statusFixture, undefined, async () => {
      throw Object.assign(
        new Error('not allowed to read the status of environment "demo"'),
        { name: 'NotAllowedError' },
      );
    });
    expect(
      await screen.findAllByText(
        /not allowed to read the status of environment "demo"/,
      ),
    ).not.toHaveLength(0);
    expect(screen.queryByText(/in poll/)).not.toBeInTheDocument();
  });

  it('says when there are no votes yet', async () => {
    await renderEnvironmentCard(() =>
      statusFixture('demo', {
        votes: {
          state: 'ok',
          detail: {
            poll: 'pets',
            question: 'Cats or dogs?',
            total: 0,
            options: [
              { id: 'a', label: 'Cats', votes: 0, percent: 0 },
              { id: 'b', label: 'Dogs', votes: 0, percent: 0 },
            ],
          },
        },
      }),
    );
    expect(
      await screen.findByText(/No votes yet in poll pets/),
    ).toBeInTheDocument();
    expect(screen.getAllByText('0 (0%)')).toHaveLength(2);
  });

  it('says clearly when the result service cannot be reached', async () => {
    await renderEnvironmentCard(() =>
      statusFixture('demo', {
        votes: {
          state: 'error',
          detail: null,
          error: 'the result service did not answer within 5000 ms',
        },
      }),
    );
    expect(
      await screen.findByText(/The result service cannot be reached/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/did not answer within 5000 ms/).length,
    ).toBeGreaterThan(0);
    expect(screen.queryByText(/votes in poll/)).not.toBeInTheDocument();
    expect(screen.getByText('Vote').closest('a')).toHaveAttribute(
      'href',
      'https://vote.demo.example.com',
    );
  });

  it("says in sandbox mode that the votes are the local stack's, and links to it", async () => {
    await renderEnvironmentCard(() =>
      statusFixture('demo', {
        votes: {
          state: 'ok',
          detail: {
            ...statusFixture().votes.detail!,
            servedBy: {
              kind: 'local-stack',
              voteUrl: 'http://127.0.0.1:8080',
              resultUrl: 'http://127.0.0.1:8081',
            },
          },
        },
      }),
    );
    expect(await screen.findByRole('note')).toHaveTextContent(SANDBOX_NOTE);
    expect(screen.getByText('Vote').closest('a')).toHaveAttribute(
      'href',
      'http://127.0.0.1:8080',
    );
  });

  it('fetches the tallies again when the backend signals new votes', async () => {
    let total = 3;
    const { asked, signals } = await renderEnvironmentCard(() =>
      statusFixture('demo', {
        votes: {
          state: 'ok',
          detail: {
            ...statusFixture().votes.detail!,
            total,
          },
        },
      }),
    );
    await screen.findByText(/3 votes in poll pets/);
    expect(signals.channels()).toEqual(['voting:environment:demo']);
    total = 4;
    // a change of another section is not this card's business
    signals.send('voting:environment:demo', {
      environment: 'demo',
      sections: ['cluster'],
    });
    signals.send('voting:environment:demo', {
      environment: 'demo',
      sections: ['votes'],
    });
    expect(await screen.findByText(/4 votes in poll pets/)).toBeInTheDocument();
    // the votes alone, each time: every viewer asks at once on a signal
    expect(asked).toEqual(['demo: votes', 'demo: votes']);
  });
});
