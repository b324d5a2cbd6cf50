import { ConflictError, NotFoundError } from '@backstage/errors';
import type { IKubernetesCluster } from 'dots-wrapper/dist/kubernetes';
import { isNotFound, listAll, type DigitalOceanClient } from './client';

/**
 * A DOKS cluster as the API answers it (dots-wrapper's type lacks `ha` and `surge_upgrade`).
 *
 * @public
 */
export type KubernetesCluster = IKubernetesCluster & {
  ha?: boolean;
  surge_upgrade?: boolean;
};

/**
 * The DOKS cluster of this name (names are unique in an account), reading every page; undefined
 * when there is none. Call it inside `client.call`.
 *
 * @public
 */
export async function findKubernetesCluster(
  client: DigitalOceanClient,
  name: string,
): Promise<KubernetesCluster | undefined> {
  const all = await listAll(
    page =>
      client.api.kubernetes.listKubernetesClusters({ page, per_page: 200 }),
    data => data.kubernetes_clusters as KubernetesCluster[],
  );
  return all.find(c => c.name === name);
}

/**
 * The kubeconfig of a DOKS cluster (a short-lived token inside: a secret). The API answers it as
 * YAML text, which dots-wrapper does not type, hence the raw request.
 *
 * @public
 */
export function getKubeconfig(
  client: DigitalOceanClient,
  clusterId: string,
): Promise<string> {
  return client.call(`get the kubeconfig of cluster ${clusterId}`, async () => {
    const { data } = await client.http.get<string>(
      `/kubernetes/clusters/${encodeURIComponent(clusterId)}/kubeconfig`,
      { responseType: 'text' },
    );
    return data;
  });
}

/**
 * How to reach a managed database (the password inside: a secret).
 *
 * @public
 */
export interface DatabaseConnection {
  uri: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  ssl: boolean;
}

/**
 * The connection of an online managed database. A database that is not online yet is a
 * ConflictError (the step ran too early), not a wait: callers that want to wait use waitForState.
 *
 * @public
 */
export async function getDatabaseConnection(
  client: DigitalOceanClient,
  databaseId: string,
): Promise<DatabaseConnection> {
  const database = await client.call(`get database ${databaseId}`, async () => {
    const { data } = await client.api.database.getDatabaseCluster({
      database_cluster_id: databaseId,
    });
    return data.database as {
      status?: string;
      connection?: Partial<DatabaseConnection>;
    };
  });
  const connection = database.connection;
  if (database.status !== 'online' || !connection?.uri) {
    throw new ConflictError(
      `database ${databaseId} is not online yet (status ${
        database.status ?? 'unknown'
      }): run this step after the database is ready`,
    );
  }
  return {
    uri: connection.uri,
    host: connection.host ?? '',
    port: connection.port ?? 0,
    user: connection.user ?? '',
    password: connection.password ?? '',
    database: connection.database ?? '',
    ssl: connection.ssl ?? true,
  };
}

/**
 * How an application reaches its database: its user through a connection pool, and the same
 * user and database straight to the server (passwords inside: secrets).
 *
 * @public
 */
export interface PoolConnection {
  /** The pool's mode: a `transaction` or `statement` pool keeps no session state between them. */
  mode: string;
  /** Through PgBouncer, as the pool's user, to the pool (its name is the database to connect to). */
  pooled: DatabaseConnection;
  /**
   * The pool's user straight to the pool's database: for what needs a session of its own
   * (advisory locks held across transactions, LISTEN, migrations under a lock).
   */
  direct: DatabaseConnection;
}

/**
 * The connections of a connection pool of an online managed database
 * (`GET /v2/databases/{id}/pools/{name}`). The direct one is the pool's connection (its user and
 * password) with the cluster's own host and port and the pool's database: DigitalOcean serves
 * no object for a user's direct connection. A pool that does not exist is a NotFoundError; one
 * that names no user (every client connects as itself) has no app user to hand out: ConflictError.
 *
 * @public
 */
export async function getPoolConnection(
  client: DigitalOceanClient,
  databaseId: string,
  poolName: string,
): Promise<PoolConnection> {
  const server = await getDatabaseConnection(client, databaseId);
  const pool = await client.call(
    `get connection pool ${poolName} of database ${databaseId}`,
    async () => {
      try {
        const { data } = await client.api.database.getConnectionPool({
          database_cluster_id: databaseId,
          pool_name: poolName,
        });
        return data.pool as {
          mode?: string;
          db?: string;
          user?: string;
          connection?: Partial<DatabaseConnection>;
        };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
  );
  if (!pool)
    throw new NotFoundError(
      `database ${databaseId} has no connection pool "${poolName}": create it first (digitalocean:database:ensure, input pool.name)`,
    );
  const connection = pool.connection;
  if (!pool.user || !pool.db || !connection?.uri)
    throw new ConflictError(
      `connection pool "${poolName}" of database ${databaseId} names no user or database: the app needs a pool of its own user (digitalocean:database:ensure makes one)`,
    );
  const pooled: DatabaseConnection = {
    uri: connection.uri,
    host: connection.host ?? '',
    port: connection.port ?? 0,
    user: connection.user ?? '',
    password: connection.password ?? '',
    database: connection.database ?? '',
    ssl: connection.ssl ?? true,
  };
  const uri = new URL(pooled.uri);
  uri.hostname = server.host;
  uri.port = String(server.port);
  uri.pathname = `/${encodeURIComponent(pool.db)}`;
  return {
    mode: pool.mode ?? '',
    pooled,
    direct: {
      ...pooled,
      uri: uri.toString(),
      host: server.host,
      port: server.port,
      database: pool.db,
    },
  };
}
