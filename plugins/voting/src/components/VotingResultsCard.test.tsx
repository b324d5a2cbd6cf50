import { Entity } from '@backstage/catalog-model';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { pollResultsFixture } from '@voting-platform/plugin-voting-common/testUtils';
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

  it("shows the backend's error", async () => {
    const api = backend(503, {
      error: {
        name: 'ServiceUnavailableError',
        message:
          'the result service of component:default/result is not available',
      },
      response: { statusCode: 503 },
    });
    await renderCard(api);
    const shown = await screen.findAllByText(
      /the result service of component:default\/result is not available/,
    );
    expect(shown.length).toBeGreaterThan(0);
  });
});
