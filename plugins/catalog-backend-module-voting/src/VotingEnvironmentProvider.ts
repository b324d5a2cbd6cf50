import type {
  AuthService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ResponseError, ServiceUnavailableError } from '@backstage/errors';
import type {
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import type {
  EnvironmentEvent,
  VotingEnvironment,
} from '@voting-platform/plugin-voting-common';
import { environmentEntities, environmentEntityRefs } from './entities';

const PROVIDER_NAME = 'voting-environments';

/**
 * Turns the voting backend's environment records into catalog entities: `refresh` reads them
 * all (a full mutation, on a schedule), `apply` takes one register or unregister announced as an
 * event (a delta, at once). Both run one at a time: a full refresh that read the records before a
 * register cannot then overwrite the register's delta, since the delta waits for it.
 *
 * @public
 */
export class VotingEnvironmentProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: {
      discovery: DiscoveryService;
      auth: AuthService;
      logger: LoggerService;
    },
  ) {}

  getProviderName(): string {
    return PROVIDER_NAME;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
  }

  /** Reads every environment from the voting backend and replaces this provider's entities. */
  refresh(): Promise<void> {
    return this.serialized(async connection => {
      const environments = await this.fetchEnvironments();
      const entities = (
        await Promise.all(environments.map(env => this.deferred(env)))
      ).flat();
      await connection.applyMutation({ type: 'full', entities });
      this.options.logger.info(
        `${environments.length} voting environment(s) in the catalog`,
      );
    });
  }

  /** Adds or removes one environment's entities, as an event announced it. */
  apply(event: EnvironmentEvent): Promise<void> {
    return this.serialized(async connection => {
      if (event.type === 'registered') {
        await connection.applyMutation({
          type: 'delta',
          added: await this.deferred(event.environment),
          removed: [],
        });
      } else {
        const locationKey = await this.locationKey(event.name);
        await connection.applyMutation({
          type: 'delta',
          added: [],
          removed: environmentEntityRefs(event.name).map(entityRef => ({
            entityRef,
            locationKey,
          })),
        });
      }
    });
  }

  private serialized(
    fn: (connection: EntityProviderConnection) => Promise<void>,
  ): Promise<void> {
    const run = this.queue.then(() => {
      if (!this.connection) {
        throw new ServiceUnavailableError(
          `${PROVIDER_NAME} is not connected to the catalog yet`,
        );
      }
      return fn(this.connection);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async locationKey(name: string): Promise<string> {
    const baseUrl = await this.options.discovery.getExternalBaseUrl('voting');
    return `url:${baseUrl}/environments/${name}`;
  }

  private async deferred(
    environment: VotingEnvironment,
  ): Promise<DeferredEntity[]> {
    const location = await this.locationKey(environment.name);
    return environmentEntities(environment, location).map(entity => ({
      entity,
      locationKey: location,
    }));
  }

  private async fetchEnvironments(): Promise<VotingEnvironment[]> {
    const { discovery, auth } = this.options;
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'voting',
    });
    const response = await fetch(
      `${await discovery.getBaseUrl('voting')}/environments`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return ((await response.json()) as { items: VotingEnvironment[] }).items;
  }
}
