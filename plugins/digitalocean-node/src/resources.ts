import { ConflictError } from '@backstage/errors';
import type { IKubernetesCluster } from 'dots-wrapper/dist/kubernetes';
import { listAll, type DigitalOceanClient } from './client';

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
