import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  catalogProcessingExtensionPoint,
  type EntityProvider,
  type EntityProviderConnection,
  type EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import { stringifyEntityRef } from '@backstage/catalog-model';
// the real voting backend runs beside this module in the test backend, as in the portal
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import votingBackend from '@voting-platform/plugin-voting-backend';
import { waitUntil } from '@voting-platform/timing';
import { environmentSpecFixture } from '@voting-platform/plugin-voting-common/testUtils';
import request from 'supertest';
import { catalogModuleVotingEnvironments } from './module';
import type { VotingEnvironmentProvider } from './VotingEnvironmentProvider';

const spec = environmentSpecFixture();

/** What a secret looks like, should one ever reach an entity. */
const SECRET =
  /password|passwd|secret|token|bearer|PRIVATE KEY|client-key-data|kubeconfig|doadmin|postgres(ql)?:\/\//i;

/**
 * The catalog's side of the provider: records every mutation and keeps the entities a catalog
 * would hold after applying them.
 */
class RecordingConnection implements EntityProviderConnection {
  readonly mutations: EntityProviderMutation[] = [];
  readonly entities = new Map<string, unknown>();
  async applyMutation(mutation: EntityProviderMutation) {
    this.mutations.push(mutation);
    if (mutation.type === 'full') this.entities.clear();
    const added = mutation.type === 'full' ? mutation.entities : mutation.added;
    for (const { entity } of added)
      this.entities.set(stringifyEntityRef(entity), entity);
    if (mutation.type === 'delta')
      for (const removed of mutation.removed)
        this.entities.delete(
          'entityRef' in removed
            ? removed.entityRef
            : stringifyEntityRef(removed.entity),
        );
  }
  async refresh() {}
  refs() {
    return [...this.entities.keys()].sort();
  }
}

describe('the voting environments entity provider', () => {
  const connection = new RecordingConnection();
  let provider: VotingEnvironmentProvider;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    const providers: EntityProvider[] = [];
    backend = await startTestBackend({
      extensionPoints: [
        [
          catalogProcessingExtensionPoint,
          {
            addEntityProvider: (...added: EntityProvider[]) =>
              providers.push(...added.flat()),
            addProcessor: () => {},
            addPlaceholderResolver: () => {},
            setOnProcessingErrorHandler: () => {},
          },
        ],
      ],
      features: [
        catalogModuleVotingEnvironments,
        votingBackend,
        // the real events service: the test backend's mock gives each plugin its own
        eventsServiceFactory,
        catalogServiceMock.factory({ entities: [] }),
        // the scheduled refresh stays out of the way: the test calls it
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              providers: {
                votingEnvironments: {
                  schedule: {
                    frequency: { hours: 24 },
                    timeout: { minutes: 1 },
                    initialDelay: { hours: 24 },
                  },
                },
              },
            },
          },
        }),
      ],
    });
    provider = providers.find(
      p => p.getProviderName() === 'voting-environments',
    ) as VotingEnvironmentProvider;
    await provider.connect(connection);
  });
  afterAll(() => backend.stop());

  const route = (name: string) =>
    request(backend.server)
      .put(`/api/voting/environments/${name}`)
      .set('authorization', mockCredentials.service.header());
  const waitForMutations = async (count: number) => {
    await waitUntil(
      () => (connection.mutations.length >= count ? true : undefined),
      {
        timeoutMs: 5000,
        intervalMs: 10,
        timeoutMessage: () =>
          `${connection.mutations.length} of ${count} mutations applied`,
      },
    );
    expect(connection.mutations).toHaveLength(count);
  };

  it('adds the entities of a registered environment at once (a delta from the event)', async () => {
    expect((await route('demo').send(spec)).status).toBe(200);
    await waitForMutations(1);
    expect(connection.mutations[0]).toMatchObject({
      type: 'delta',
      removed: [],
    });
    expect(connection.refs()).toEqual([
      'component:voting-environments/demo',
      'resource:voting-environments/demo-cluster',
      'resource:voting-environments/demo-database',
      'resource:voting-environments/demo-dns-result',
      'resource:voting-environments/demo-dns-vote',
    ]);
  });

  it('reads every environment in a full refresh', async () => {
    await route('other').send({ ...spec, domain: 'other.example.com' });
    await waitForMutations(2);
    await provider.refresh();
    const full = connection.mutations[2]!;
    expect(full.type).toBe('full');
    expect(connection.refs()).toHaveLength(10);
    expect(connection.refs()).toContain('component:voting-environments/other');
  });

  it('removes the entities of an unregistered environment, the others staying', async () => {
    const res = await request(backend.server)
      .delete('/api/voting/environments/demo')
      .set('authorization', mockCredentials.service.header());
    expect(res.body.outcome).toBe('deleted');
    await waitForMutations(4);
    expect(connection.mutations[3]).toMatchObject({ type: 'delta', added: [] });
    expect(connection.refs()).toEqual([
      'component:voting-environments/other',
      'resource:voting-environments/other-cluster',
      'resource:voting-environments/other-database',
      'resource:voting-environments/other-dns-result',
      'resource:voting-environments/other-dns-vote',
    ]);
    // and a full refresh agrees
    await provider.refresh();
    expect(connection.refs()).toHaveLength(5);
  });

  it('puts no secret into any entity', () => {
    const everything = JSON.stringify(connection.mutations);
    expect(everything).not.toMatch(SECRET);
    expect(everything).not.toContain(mockCredentials.service.token());
  });
});
