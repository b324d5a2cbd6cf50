/**
 * Sandbox mode's databases are real: the admin, the default database and each user and database
 * the API creates exist in the local PostgreSQL with the passwords the API hands out; the pool's
 * connection works (directly: no PgBouncer); another emulated cluster's user cannot get in; a
 * destroyed cluster's roles and databases are dropped. And without a control plane (no Go), the
 * sandbox still runs and clusters fail saying why and how to get one.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import { ConfigReader } from '@backstage/config';
import { createPool, migrate, recordVotes } from '@voting-platform/core/db';
import type { Logger } from '@voting-platform/core/service';
import {
  createDigitalOceanClient,
  getPoolConnection,
} from '@voting-platform/plugin-digitalocean-node';
import { NO_GO_MESSAGE } from '../../scripts/lib/sandbox/tools.js';
import { serviceUrls } from '../../scripts/lib/services.js';
import {
  clusterSpec,
  eventually,
  startTestCloud,
  type TestCloud,
} from './helpers.js';

const quiet = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child: () => quiet,
};
const quietLogger = quiet as unknown as Logger;

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await startTestCloud({
    controlPlane: () => ({ missing: NO_GO_MESSAGE }),
    helm: { missing: 'not needed here' },
  });
});
afterAll(async () => {
  await cloud?.remove();
  // a stopped sandbox leaves nothing in the server
  const admin = new pg.Client({ connectionString: serviceUrls.postgres });
  await admin.connect();
  try {
    const left = await admin.query(
      `SELECT rolname AS name FROM pg_roles WHERE starts_with(rolname, $1)
       UNION ALL SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
      [cloud.prefix],
    );
    assert.deepEqual(left.rows, []);
  } finally {
    await admin.end();
  }
});

async function createDatabase(name: string): Promise<any> {
  const { database } = await cloud.api('POST', '/databases', {
    name,
    engine: 'pg',
    version: '16',
    region: 'nyc1',
    size: 'db-s-1vcpu-1gb',
    num_nodes: 1,
  });
  return eventually(`database ${name} online`, async () => {
    const got = (await cloud.api('GET', `/databases/${database.id}`)).database;
    return got.status === 'online' ? got : undefined;
  });
}

/** Connects with a connection object as the API returns it, and runs one statement. */
async function query(connection: any, sql: string): Promise<any[]> {
  const client = new pg.Client({ connectionString: connection.uri });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function exists(kind: 'role' | 'database', name: string) {
  const admin = new pg.Client({ connectionString: serviceUrls.postgres });
  await admin.connect();
  try {
    const sql =
      kind === 'role'
        ? 'SELECT 1 FROM pg_roles WHERE rolname = $1'
        : 'SELECT 1 FROM pg_database WHERE datname = $1';
    return ((await admin.query(sql, [name])).rowCount ?? 0) > 0;
  } finally {
    await admin.end();
  }
}

describe('a real PostgreSQL behind the emulated databases', () => {
  test('the admin, a created user, database and pool log in with the passwords the API gave', async () => {
    const db = await createDatabase('votes-db');
    assert.equal(db.connection.host, '127.0.0.1');
    assert.equal(db.connection.ssl, false);
    const [{ who }] = await query(db.connection, 'SELECT current_user AS who');
    assert.equal(who, db.connection.user);
    assert.match(db.connection.user, /doadmin$/);

    const { user } = await cloud.api('POST', `/databases/${db.id}/users`, {
      name: 'voting',
    });
    await cloud.api('POST', `/databases/${db.id}/dbs`, { name: 'voting' });
    const { pool } = await cloud.api('POST', `/databases/${db.id}/pools`, {
      name: 'voting-pool',
      mode: 'transaction',
      size: 5,
      db: 'voting',
      user: 'voting',
    });
    // the pool's connection is a direct one to its database as its user
    assert.equal(pool.connection.port, 5432);
    assert.equal(pool.connection.password, user.password);
    await query(
      pool.connection,
      'CREATE TABLE votes (id int); INSERT INTO votes VALUES (1)',
    );
    const rows = await query(
      pool.connection,
      'SELECT current_database() AS db, count(*)::int AS n FROM votes',
    );
    assert.match(rows[0].db, /voting$/);
    assert.equal(rows[0].n, 1);
    // The local server trusts loopback connections (as this project's machines set it up), so a
    // wrong password would get in too: check that the role carries a password and may log in.
    const [role] = await query(
      { uri: serviceUrls.postgres },
      `SELECT rolcanlogin, rolpassword IS NOT NULL AS has_password FROM pg_authid WHERE rolname = '${pool.connection.user}'`,
    );
    assert.deepEqual(role, { rolcanlogin: true, has_password: true });
  });

  test("the app's connections (its user through the pool, and straight for sessions) log in, and the app's migrations run with them", async () => {
    const db = await createDatabase('app-db');
    // as digitalocean:database:ensure makes them in the create template
    const { user } = await cloud.api('POST', `/databases/${db.id}/users`, {
      name: 'voting',
    });
    await cloud.api('POST', `/databases/${db.id}/dbs`, { name: 'votes' });
    await cloud.api('POST', `/databases/${db.id}/pools`, {
      name: 'votes',
      mode: 'transaction',
      size: 20,
      db: 'votes',
      user: 'voting',
    });
    // what voting:stack:ensure puts into the app's Secret
    const digitalocean = createDigitalOceanClient(
      {
        config: new ConfigReader({
          digitalocean: {
            token: cloud.digitalocean.token,
            apiUrl: cloud.digitalocean.url,
          },
        }),
      },
      { logger: quiet },
    );
    const { pooled, direct } = await getPoolConnection(
      digitalocean,
      db.id,
      'votes',
    );
    for (const connection of [pooled, direct]) {
      assert.equal(connection.password, user.password);
      assert.notEqual(connection.user, db.connection.user);
    }
    // migrations with the session URL, as the worker and the result app run them
    const logged: string[] = [];
    await migrate(direct.uri, {
      info: (_: unknown, message: string) => logged.push(message),
    } as unknown as Logger);
    assert.ok(logged.includes('migration'));
    // the tables are the app user's own, and the pooled URL stores and reads votes
    const pool = createPool(pooled.uri, quietLogger);
    try {
      const [row] = (
        await pool.query(
          "SELECT current_user AS who, tableowner AS owner FROM pg_tables WHERE tablename = 'votes'",
        )
      ).rows;
      assert.deepEqual(row, { who: pooled.user, owner: pooled.user });
      const stored = await recordVotes(pool, [
        {
          pollId: 'default',
          voterId: 'voter-1',
          option: 'a',
          castAt: Date.now(),
        },
      ]);
      assert.equal(stored.inserted, 1);
    } finally {
      await pool.end();
    }
    // a second run finds nothing to do (the lock and the table of applied migrations work)
    await migrate(direct.uri, quietLogger);
  });

  test('a user of another emulated cluster cannot connect; a destroyed cluster is dropped', async () => {
    const first = (await cloud.api('GET', '/databases')).databases.find(
      (d: any) => d.name === 'votes-db',
    );
    const other = await createDatabase('other-db');
    const intruder = {
      uri: Object.assign(new URL(other.connection.uri), {
        pathname: `/${first.connection.database}`,
      }).toString(),
    };
    await assert.rejects(query(intruder, 'SELECT 1'), /permission denied/);
    const role = first.connection.user;
    const database = first.connection.database;
    assert.ok(await exists('role', role));
    await cloud.api('DELETE', `/databases/${first.id}`);
    assert.equal(await exists('role', role), false);
    assert.equal(await exists('database', database), false);
  });
});

describe('without a control plane (no Go to build it)', () => {
  test('the emulators run, and a cluster goes to error saying why and how to get one', async () => {
    const { kubernetes_cluster } = await cloud.api(
      'POST',
      '/kubernetes/clusters',
      clusterSpec('no-go'),
    );
    const failed = await cloud.waitCluster(kubernetes_cluster.id, 'error');
    assert.match(failed.status.message, /needs Go >= 1\.26/);
    assert.match(
      failed.status.message,
      /packages\/local-kubernetes\/build\.sh/,
    );
    await assert.rejects(
      cloud.api(
        'GET',
        `/kubernetes/clusters/${kubernetes_cluster.id}/kubeconfig`,
      ),
      /404/,
    );
  });
});
