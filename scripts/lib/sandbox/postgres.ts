/**
 * A real database behind each emulated managed database: the admin user, the default database
 * and each user and database the API creates exist in the local PostgreSQL with their passwords,
 * under names prefixed per emulated cluster (two clusters may both have a `defaultdb`). Each
 * database admits only the users of its own cluster. No PgBouncer: pools connect directly.
 */
import pg from 'pg';
import type { DatabaseBackend } from '@voting-platform/cloud-sandbox';

/** A LIKE pattern for names that start with `prefix` (`_` and `%` taken literally). */
const startsWith = (prefix: string) =>
  `${prefix.replace(/[\\%_]/g, m => `\\${m}`)}%`;

export interface PostgresBackendOptions {
  /** A superuser connection URL of the local server. */
  adminUrl: string;
  /** Prefix of every role and database this sandbox makes (so a new start can clear the last one's). */
  prefix: string;
}

export class PostgresBackend implements DatabaseBackend {
  readonly host: string;
  readonly port: number;
  readonly #options: PostgresBackendOptions;

  constructor(options: PostgresBackendOptions) {
    this.#options = options;
    const url = new URL(options.adminUrl);
    this.host = url.hostname;
    this.port = Number(url.port || 5432);
  }

  localName(db: { id: string }, name: string): string {
    // the cluster id keeps names apart, and apart from a re-created cluster's of the same name
    return `${this.#options.prefix}${db.id.slice(0, 8)}_${name}`.slice(0, 63);
  }

  async #run<T>(
    database: string | undefined,
    fn: (client: pg.Client) => Promise<T>,
  ): Promise<T> {
    const url = new URL(this.#options.adminUrl);
    if (database) url.pathname = `/${database}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  async ensureUser(
    db: { id: string; name: string },
    user: { name: string; password: string },
  ): Promise<void> {
    const role = this.localName(db, user.name);
    await this.#run(undefined, async c => {
      const exists = await c.query(
        'SELECT 1 FROM pg_roles WHERE rolname = $1',
        [role],
      );
      const verb = exists.rowCount ? 'ALTER' : 'CREATE';
      await c.query(
        `${verb} ROLE ${c.escapeIdentifier(
          role,
        )} LOGIN PASSWORD ${c.escapeLiteral(user.password)}`,
      );
      // the new user may connect to each database its cluster already has
      const dbs = await c.query(
        'SELECT datname FROM pg_database WHERE datname LIKE $1',
        [startsWith(this.localName(db, ''))],
      );
      for (const { datname } of dbs.rows)
        await c.query(
          `GRANT CONNECT, TEMPORARY ON DATABASE ${c.escapeIdentifier(
            datname,
          )} TO ${c.escapeIdentifier(role)}`,
        );
    });
  }

  async ensureDatabase(
    db: { id: string; name: string },
    database: string,
    owner: string,
  ): Promise<void> {
    const name = this.localName(db, database);
    const prefix = this.localName(db, '');
    await this.#run(undefined, async c => {
      const exists = await c.query(
        'SELECT 1 FROM pg_database WHERE datname = $1',
        [name],
      );
      const id = c.escapeIdentifier(name);
      if (!exists.rowCount)
        await c.query(
          `CREATE DATABASE ${id} OWNER ${c.escapeIdentifier(
            this.localName(db, owner),
          )}`,
        );
      await c.query(`REVOKE ALL ON DATABASE ${id} FROM PUBLIC`);
      const roles = await c.query(
        'SELECT rolname FROM pg_roles WHERE rolname LIKE $1',
        [startsWith(prefix)],
      );
      for (const { rolname } of roles.rows)
        await c.query(
          `GRANT CONNECT, TEMPORARY ON DATABASE ${id} TO ${c.escapeIdentifier(
            rolname,
          )}`,
        );
    });
    // as on DigitalOcean, every user of the cluster may create tables in `public`
    await this.#run(name, c =>
      c.query('GRANT CREATE, USAGE ON SCHEMA public TO PUBLIC'),
    );
  }

  async dropCluster(db: { id: string; name: string }): Promise<void> {
    await this.#dropLike(this.localName(db, ''));
  }

  /** Drops every database and role whose name starts with the prefix (what an earlier start left). */
  async clear(): Promise<void> {
    await this.#dropLike(this.#options.prefix);
  }

  async #dropLike(prefix: string): Promise<void> {
    const like = startsWith(prefix);
    await this.#run(undefined, async c => {
      const dbs = await c.query(
        'SELECT datname FROM pg_database WHERE datname LIKE $1',
        [like],
      );
      for (const { datname } of dbs.rows)
        await c.query(
          `DROP DATABASE IF EXISTS ${c.escapeIdentifier(datname)} WITH (FORCE)`,
        );
      const roles = await c.query(
        'SELECT rolname FROM pg_roles WHERE rolname LIKE $1',
        [like],
      );
      for (const { rolname } of roles.rows)
        await c.query(`DROP ROLE IF EXISTS ${c.escapeIdentifier(rolname)}`);
    });
  }
}
