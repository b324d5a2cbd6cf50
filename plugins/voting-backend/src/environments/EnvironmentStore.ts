import {
  DatabaseService,
  isDatabaseConflictError,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type {
  EnvironmentOutcome,
  VotingEnvironment,
} from '@voting-platform/plugin-voting-common';
import type { Knex } from 'knex';

const TABLE = 'voting_environments';

type Row = {
  name: string;
  owner: string;
  cluster_id: string;
  database_id: string;
  vpc_id: string;
  domain: string;
  vote_url: string;
  result_url: string;
  grafana_url: string | null;
  region: string | null;
  created_at: string;
  updated_at: string;
};

/** The fields a register sets; the store keeps the times. */
export type EnvironmentFields = Omit<
  VotingEnvironment,
  'createdAt' | 'updatedAt'
>;

const COLUMNS: Record<keyof EnvironmentFields, keyof Row> = {
  name: 'name',
  owner: 'owner',
  clusterId: 'cluster_id',
  databaseId: 'database_id',
  vpcId: 'vpc_id',
  domain: 'domain',
  voteUrl: 'vote_url',
  resultUrl: 'result_url',
  grafanaUrl: 'grafana_url',
  region: 'region',
};

function fromRow(row: Row): VotingEnvironment {
  return {
    name: row.name,
    owner: row.owner,
    clusterId: row.cluster_id,
    databaseId: row.database_id,
    vpcId: row.vpc_id,
    domain: row.domain,
    voteUrl: row.vote_url,
    resultUrl: row.result_url,
    grafanaUrl: row.grafana_url ?? null,
    region: row.region ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toColumns(
  fields: EnvironmentFields,
): Omit<Row, 'created_at' | 'updated_at'> {
  return Object.fromEntries(
    Object.entries(COLUMNS).map(([key, column]) => [
      column,
      fields[key as keyof EnvironmentFields],
    ]),
  ) as Omit<Row, 'created_at' | 'updated_at'>;
}

/** The voting backend's record of environments, in its own database (SQLite or PostgreSQL). */
export class EnvironmentStore {
  static async create(
    database: DatabaseService,
    now: () => Date = () => new Date(),
  ): Promise<EnvironmentStore> {
    const knex = await database.getClient();
    if (!database.migrations?.skip) {
      await knex.migrate.latest({
        directory: resolvePackagePath(
          '@voting-platform/plugin-voting-backend',
          'migrations',
        ),
      });
    }
    return new EnvironmentStore(knex, now);
  }

  private constructor(
    private readonly knex: Knex,
    private readonly now: () => Date,
  ) {}

  async list(): Promise<VotingEnvironment[]> {
    const rows: Row[] = await this.knex(TABLE).select().orderBy('name');
    return rows.map(fromRow);
  }

  async get(name: string): Promise<VotingEnvironment | undefined> {
    const row: Row | undefined = await this.knex(TABLE).where({ name }).first();
    return row && fromRow(row);
  }

  /**
   * Records the environment: a new one is created, a changed one updated (its `createdAt` kept),
   * an identical one left as it is, `updatedAt` included. With `dryRun`, says what it would do
   * and writes nothing.
   */
  async register(
    fields: EnvironmentFields,
    options: { dryRun?: boolean } = {},
  ): Promise<{ environment: VotingEnvironment; outcome: EnvironmentOutcome }> {
    const columns = toColumns(fields);
    try {
      return await this.upsert(columns, options.dryRun ?? false);
    } catch (error) {
      // Two registers of a new name at once: the loser's insert hits the primary key. Its
      // second attempt finds the winner's row and compares with it.
      if (!isDatabaseConflictError(error)) throw error;
      return await this.upsert(columns, options.dryRun ?? false);
    }
  }

  private upsert(
    columns: Omit<Row, 'created_at' | 'updated_at'>,
    dryRun: boolean,
  ) {
    return this.knex.transaction(async tx => {
      const existing: Row | undefined = await tx(TABLE)
        .where({ name: columns.name })
        .forUpdate()
        .first();
      const time = this.now().toISOString();
      if (!existing) {
        const row: Row = { ...columns, created_at: time, updated_at: time };
        if (!dryRun) await tx(TABLE).insert(row);
        return { environment: fromRow(row), outcome: 'created' as const };
      }
      const changed = (
        Object.keys(columns) as Array<keyof typeof columns>
      ).some(
        column => (existing[column] ?? null) !== (columns[column] ?? null),
      );
      if (!changed) {
        return {
          environment: fromRow(existing),
          outcome: 'unchanged' as const,
        };
      }
      const row: Row = { ...existing, ...columns, updated_at: time };
      if (!dryRun) await tx(TABLE).where({ name: columns.name }).update(row);
      return { environment: fromRow(row), outcome: 'updated' as const };
    });
  }

  /** Removes the record; `absent` when there was none. */
  async unregister(name: string): Promise<'deleted' | 'absent'> {
    const count = await this.knex(TABLE).where({ name }).delete();
    return count > 0 ? 'deleted' : 'absent';
  }
}
