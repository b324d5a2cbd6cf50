/**
 * Test glue of this module: the sandbox's DigitalOcean emulator with a Kubernetes cluster that is
 * a real local control plane (volumes of a test StorageClass, Traefik's LoadBalancer Service as
 * the Traefik release makes it) and an online database with the app's user, database and pool
 * (as digitalocean:database:ensure makes them in the template), and the module config pointing
 * at both.
 */
import { ConfigReader } from '@backstage/config';
import { ManualClock, useSandbox } from '@voting-platform/cloud-sandbox';
import {
  digitalOceanCall,
  provideTestStorage,
  serveAtDigitalOcean,
  startLocalCluster,
  type LocalCluster,
} from '@voting-platform/plugin-kubernetes-node/testUtils';

/** The app's database user and its pool, named as the create template names them. */
export const APP_USER = 'voting';
export const APP_POOL = 'votes';

export function useStackCluster(options: {
  /** Fake nodes (a 3-node NATS cluster with anti-affinity needs 3). */
  nodes?: number;
  /** The StorageClass the queue's volumes get (the real default, do-block-storage, has no provisioner here unless named so). */
  storageClass: string;
  volumes: number;
}) {
  const clock = new ManualClock();
  const env = useSandbox(
    { beforeAll, afterAll, afterEach },
    { clock, coverageDir: false },
  );
  const state: {
    cluster?: LocalCluster;
    clusterId?: string;
    databaseId?: string;
    dbPassword?: string;
    appPassword?: string;
  } = {};
  const call = (method: string, path: string, body?: unknown) =>
    digitalOceanCall(env.sandbox.digitalocean)(method, path, body);

  beforeAll(async () => {
    const cluster = await startLocalCluster({ nodes: options.nodes });
    state.cluster = cluster;
    await provideTestStorage(cluster.admin, {
      className: options.storageClass,
      volumes: options.volumes,
    });
    state.clusterId = await serveAtDigitalOcean(
      env.sandbox.digitalocean,
      cluster,
      'voting',
    );
    state.databaseId = (
      await call('POST', '/databases', {
        name: 'voting-db',
        engine: 'pg',
        version: '16',
        region: 'nyc1',
        size: 'db-s-1vcpu-1gb',
        num_nodes: 1,
      })
    ).database.id;
    clock.advance(10 * 60_000);
    state.dbPassword = (
      await call('GET', `/databases/${state.databaseId}`)
    ).database.connection.password;
    if (!state.dbPassword)
      throw new Error('the emulated database has no password');
    const database = `/databases/${state.databaseId}`;
    state.appPassword = (
      await call('POST', `${database}/users`, { name: APP_USER })
    ).user.password;
    await call('POST', `${database}/dbs`, { name: 'votes' });
    await call('POST', `${database}/pools`, {
      name: APP_POOL,
      mode: 'transaction',
      size: 20,
      db: 'votes',
      user: APP_USER,
    });
    // Traefik's LoadBalancer Service, as the Traefik release makes it (the lb-controller gives it an address)
    await cluster.admin.apply(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'traefik' } },
      { fieldManager: 'test' },
    );
    await cluster.admin.apply(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'traefik',
          namespace: 'traefik',
          annotations: {
            'service.beta.kubernetes.io/do-loadbalancer-hostname':
              'lb.example.com',
          },
        },
        spec: {
          type: 'LoadBalancer',
          selector: { app: 'traefik' },
          ports: [{ name: 'websecure', port: 443, targetPort: 8443 }],
        },
      },
      { fieldManager: 'test' },
    );
  });
  afterAll(() => state.cluster?.stop());

  return {
    env,
    call,
    get cluster() {
      return state.cluster!;
    },
    get clusterId() {
      return state.clusterId!;
    },
    get databaseId() {
      return state.databaseId!;
    },
    /** The admin's password (the app must never get it). */
    get dbPassword() {
      return state.dbPassword!;
    },
    databasePool: APP_POOL,
    /** The app user's password. */
    get appPassword() {
      return state.appPassword!;
    },
    config: () =>
      new ConfigReader({
        digitalocean: {
          token: env.sandbox.digitalocean.token,
          apiUrl: env.sandbox.digitalocean.url,
        },
      }),
  };
}
