import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { IDatabaseCluster } from 'dots-wrapper/dist/database';
import {
  createDigitalOceanClient,
  createUnlessFound,
  DigitalOceanError,
  isNotFound,
  type DigitalOceanClientOptions,
  type DigitalOceanClient,
  waitForState,
} from '@voting-platform/plugin-digitalocean-node';
import {
  checkpointKey,
  describeChange,
  describePlaceholder,
  dryRunId,
  dryRunPlaceholders,
  idOrDryRunId,
  isDryRunId,
  outcomeOf,
  runCheckpoint,
  parseInput,
  type Zod,
  type ScaffolderAction,
} from '@voting-platform/plugin-scaffolder-actions-node';
import { regionField } from '../lib/fields';
import { examples } from './databaseEnsure.examples';

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

const input = {
  name: (z: Zod) =>
    z
      .string()
      .regex(
        /^[a-z0-9]([-a-z0-9]{1,61}[a-z0-9])$/,
        'lowercase letters, digits and dashes, 3 to 63',
      )
      .describe('Database cluster name (unique in the account)'),
  region: regionField,
  version: (z: Zod) =>
    z
      .string()
      .regex(/^\d+$/, 'a major version such as 17')
      .optional()
      .describe(
        'PostgreSQL major version (default: the latest DigitalOcean offers)',
      ),
  size: (z: Zod) =>
    z
      .string()
      .min(1)
      .default('db-s-1vcpu-1gb')
      .describe('Node size slug (default db-s-1vcpu-1gb)'),
  numNodes: (z: Zod) =>
    z
      .number()
      .int()
      .min(1)
      .max(3)
      .default(1)
      .describe('Nodes: 1, or 2-3 for standby nodes'),
  vpcId: (z: Zod) =>
    idOrDryRunId(z, z.string().uuid())
      .optional()
      .describe(
        "VPC for the private network (default: the Kubernetes cluster's VPC)",
      ),
  kubernetesClusterId: (z: Zod) =>
    idOrDryRunId(z, z.string().uuid())
      .optional()
      .describe(
        'Kubernetes cluster allowed through the firewall (a trusted source of type k8s); its VPC is used',
      ),
  tags: (z: Zod) =>
    z.array(z.string().regex(/^[a-zA-Z0-9_:-]{1,255}$/)).default([]),
  database: (z: Zod) =>
    z
      .string()
      .regex(IDENT, 'a PostgreSQL identifier')
      .default('voting')
      .describe('Application database to create'),
  user: (z: Zod) =>
    z
      .string()
      .regex(IDENT, 'a PostgreSQL identifier')
      .default('voting')
      .describe(
        'Application user to create (its password stays with DigitalOcean)',
      ),
  pool: (z: Zod) =>
    z
      .object({
        name: z
          .string()
          .regex(IDENT, 'a PostgreSQL identifier')
          .default('voting_pool'),
        mode: z
          .enum(['transaction', 'session', 'statement'])
          .default('transaction'),
        size: z.number().int().min(1).max(100).default(10),
      })
      .default({})
      .describe(
        'PgBouncer connection pool for the application user and database',
      ),
  timeoutMinutes: (z: Zod) =>
    z
      .number()
      .int()
      .min(1)
      .max(180)
      .default(30)
      .describe('How long to wait for the cluster to be online'),
};

type Input = ReturnType<typeof parse>;
const parse = (value: unknown) => parseInput(input, value);

type Database = IDatabaseCluster & { status: string };

/** A resource for a log line: its id, or what an earlier step's dry run would create. */
const named = (what: string, id: string) =>
  isDryRunId(id) ? describePlaceholder(what, id) : `${what} ${id}`;

/** Finds a database cluster by name. */
export async function findDatabase(
  client: DigitalOceanClient,
  name: string,
): Promise<Database | undefined> {
  const { data } = await client.api.database.listDatabaseClusters({});
  return (data.databases as Database[]).find(d => d.name === name);
}

/** The PostgreSQL major version to create; outside `client.call`, as in kubernetesEnsure. */
function postgresVersion(
  versions: string[],
  wanted: string | undefined,
): string {
  if (wanted) {
    if (!versions.includes(wanted))
      throw new InputError(
        `PostgreSQL ${wanted} is not offered by DigitalOcean (offered: ${versions.join(
          ', ',
        )})`,
      );
    return wanted;
  }
  const latest = [...versions].sort((a, b) => Number(b) - Number(a))[0];
  if (!latest)
    throw new DigitalOceanError('DigitalOcean offers no PostgreSQL version');
  return latest;
}

function differences(
  d: Database,
  i: Input,
  version: string,
  vpcId: string | undefined,
): string[] {
  return [
    d.engine !== 'pg' && `engine ${d.engine} (wanted pg)`,
    d.region !== i.region && `region ${d.region} (wanted ${i.region})`,
    d.version !== version && `version ${d.version} (wanted ${version})`,
    d.size !== i.size && `size ${d.size} (wanted ${i.size})`,
    d.num_nodes !== i.numNodes && `${d.num_nodes} nodes (wanted ${i.numNodes})`,
    vpcId &&
      d.private_network_uuid !== vpcId &&
      `VPC ${d.private_network_uuid} (wanted ${named('VPC', vpcId)})`,
  ].filter((x): x is string => typeof x === 'string');
}

/** Runs `create` unless `exists` says it is there; for the parts of a database cluster. */
async function ensure(
  client: DigitalOceanClient,
  what: string,
  exists: () => Promise<boolean>,
  create: () => Promise<unknown>,
): Promise<{ created: boolean }> {
  return client.call(what, async () => {
    if (await exists()) return { created: false };
    await create();
    return { created: true };
  });
}

const found = (read: () => Promise<unknown>) => async () => {
  try {
    await read();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
};

/**
 * `digitalocean:database:ensure`: a managed PostgreSQL cluster in the Kubernetes cluster's VPC,
 * reachable from that cluster only, with an application database, user and PgBouncer pool.
 * Outputs hostnames and names, never the password: later steps read it from DigitalOcean by id.
 *
 * @public
 */
export function createDigitalOceanDatabaseEnsureAction(
  options: DigitalOceanClientOptions,
): ScaffolderAction {
  return createTemplateAction({
    id: 'digitalocean:database:ensure',
    description:
      'Creates a DigitalOcean managed PostgreSQL cluster (or reuses the one with this name when its settings match), waits until it is online, lets the Kubernetes cluster through its firewall and adds an application database, user and PgBouncer pool. Outputs no password.',
    examples,
    supportsDryRun: true,
    schema: {
      input,
      output: {
        databaseClusterId: z =>
          z
            .string()
            .describe(
              'Database cluster id (a placeholder in a dry run when it would be created)',
            ),
        name: z => z.string(),
        region: z => z.string(),
        version: z => z.string(),
        vpcId: z => z.string(),
        host: z => z.string().describe('Public hostname'),
        privateHost: z => z.string().describe('Hostname inside the VPC'),
        port: z => z.number(),
        poolPort: z =>
          z
            .number()
            .describe(
              'PgBouncer port (the pool name is the database name to connect to)',
            ),
        database: z => z.string(),
        user: z => z.string(),
        pool: z => z.string(),
        status: z =>
          z
            .string()
            .describe(
              'online (what a dry run reports too: the state the run would leave)',
            ),
        created: z =>
          z.boolean().describe('True when this run created the cluster'),
        outcome: z =>
          z
            .enum(['created', 'unchanged', 'would-create'])
            .describe(
              'What this run did to the cluster, or in a dry run would do',
            ),
      },
    },
    async handler(ctx) {
      const i = parse(ctx.input);
      const client = createDigitalOceanClient(options, ctx);
      const toCreate = dryRunPlaceholders(ctx.isDryRun, {
        vpcId: i.vpcId,
        kubernetesClusterId: i.kubernetesClusterId,
      });
      let vpcId = i.vpcId;
      // a cluster an earlier step would create has nothing to read yet
      if (i.kubernetesClusterId && !toCreate.has('kubernetesClusterId')) {
        const { data } = await client.call('get the Kubernetes cluster', () =>
          client.api.kubernetes.getKubernetesCluster({
            kubernetes_cluster_id: i.kubernetesClusterId!,
          }),
        );
        const clusterVpc = data.kubernetes_cluster.vpc_uuid;
        if (vpcId && vpcId !== clusterVpc)
          throw new InputError(
            `vpcId ${vpcId} is not the VPC of Kubernetes cluster ${i.kubernetesClusterId} (${clusterVpc})`,
          );
        if (data.kubernetes_cluster.region !== i.region)
          throw new InputError(
            `region ${i.region} is not the region of Kubernetes cluster ${i.kubernetesClusterId} (${data.kubernetes_cluster.region})`,
          );
        vpcId = clusterVpc;
      }
      const offered = await client.call(
        'list database options',
        async () =>
          (
            await client.api.database.listDatabaseOptions()
          ).data.options.pg?.versions ?? [],
      );
      const version = postgresVersion(offered, i.version);
      const existing = await client.call('list database clusters', () =>
        findDatabase(client, i.name),
      );
      if (existing) {
        const problems = differences(existing, i, version, vpcId);
        if (problems.length > 0)
          throw new ConflictError(
            `The database cluster name "${i.name}" is taken by cluster ${
              existing.id
            } with ${problems.join(', ')}`,
          );
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          existing
            ? describeChange(
                true,
                'reuse',
                `database cluster "${i.name}" (${existing.id}, ${existing.status}) and ensure database "${i.database}", user "${i.user}", pool "${i.pool.name}"`,
              )
            : describeChange(
                true,
                'create',
                `PostgreSQL ${version} cluster "${i.name}" in ${i.region} (${
                  i.numNodes
                } x ${i.size}${
                  vpcId ? `, ${named('VPC', vpcId)}` : ''
                }) with database "${i.database}", user "${i.user}", pool "${
                  i.pool.name
                }"${
                  i.kubernetesClusterId
                    ? `, open to ${named(
                        'Kubernetes cluster',
                        i.kubernetesClusterId,
                      )}`
                    : ''
                }`,
              ),
        );
        ctx.output(
          'databaseClusterId',
          existing?.id ?? dryRunId('database', i.name),
        );
        ctx.output('name', i.name);
        ctx.output('region', i.region);
        ctx.output('version', version);
        ctx.output('vpcId', existing?.private_network_uuid ?? vpcId ?? '');
        ctx.output('host', existing?.connection.host ?? '');
        ctx.output('privateHost', existing?.private_connection.host ?? '');
        ctx.output('port', existing?.connection.port ?? 0);
        ctx.output('poolPort', 0);
        ctx.output('database', i.database);
        ctx.output('user', i.user);
        ctx.output('pool', i.pool.name);
        ctx.output('status', 'online');
        ctx.output('created', false);
        ctx.output(
          'outcome',
          existing ? 'unchanged' : outcomeOf(true, 'create'),
        );
        return;
      }

      const { id } = existing
        ? { id: existing.id }
        : await ctx.checkpoint({
            key: checkpointKey('database', 'create', i.name),
            fn: () =>
              client.call(`create database cluster "${i.name}"`, () =>
                createUnlessFound(
                  () => findDatabase(client, i.name),
                  async () => {
                    const { data } =
                      await client.api.database.createDatabaseCluster({
                        name: i.name,
                        engine: 'pg',
                        version,
                        region: i.region,
                        size: i.size,
                        num_nodes: i.numNodes,
                        private_network_uuid: vpcId,
                        tags: i.tags,
                      });
                    return data.database;
                  },
                ),
              ),
          });
      ctx.logger.info(
        existing
          ? describeChange(
              false,
              'reuse',
              `database cluster "${i.name}" (${id})`,
            )
          : describeChange(
              false,
              'create',
              `database cluster "${i.name}" (${id}); waiting until it is online`,
            ),
      );

      const get = () =>
        client.call(
          `get database cluster "${i.name}"`,
          async () =>
            (
              await client.api.database.getDatabaseCluster({
                database_cluster_id: id,
              })
            ).data.database as Database,
        );
      let db = await waitForState(client, {
        what: `database cluster "${i.name}"`,
        until: 'online',
        read: get,
        state: d => d.status,
        failure: d =>
          ['error', 'errored', 'decommissioned'].includes(d.status)
            ? `DigitalOcean reports the cluster ${d.status}`
            : undefined,
        timeoutMs: i.timeoutMinutes * 60_000,
      });

      // a checkpoint an earlier attempt of this task saved says what that attempt created
      const report =
        (what: string) =>
        (r: { value: { created: boolean }; ranNow: boolean }) =>
          ctx.logger.info(
            describeChange(
              false,
              r.ranNow && r.value.created ? 'create' : 'reuse',
              what,
            ),
          );
      const cluster = i.kubernetesClusterId;
      if (cluster) {
        await runCheckpoint(
          ctx,
          checkpointKey('database-firewall-rule', 'create', id, cluster),
          async () => {
            const rules = (
              await client.call('list firewall rules', () =>
                client.api.database.listDatabaseClusterFirewallRules({
                  database_cluster_id: id,
                }),
              )
            ).data.rules;
            if (rules.some(r => r.type === 'k8s' && r.value === cluster))
              return { created: false };
            await client.call('update firewall rules', () =>
              client.api.database.updateDatabaseClusterFirewallRules({
                database_cluster_id: id,
                rules: [
                  ...rules.map(r => ({
                    type: r.type,
                    value: r.value,
                    uuid: r.uuid,
                  })),
                  { type: 'k8s', value: cluster },
                ],
              }),
            );
            return { created: true };
          },
        ).then(report(`firewall rule for Kubernetes cluster ${cluster}`));
      }
      await runCheckpoint(
        ctx,
        checkpointKey('database-db', 'create', id, i.database),
        () =>
          ensure(
            client,
            `create database "${i.database}"`,
            found(() =>
              client.api.database.getDatabaseClusterDb({
                database_cluster_id: id,
                db_name: i.database,
              }),
            ),
            () =>
              client.api.database.createDatabaseClusterDb({
                database_cluster_id: id,
                db_name: i.database,
              }),
          ),
      ).then(report(`database "${i.database}"`));
      // the answer holds the password: only whether it was created leaves this function
      await runCheckpoint(
        ctx,
        checkpointKey('database-user', 'create', id, i.user),
        () =>
          ensure(
            client,
            `create user "${i.user}"`,
            found(() =>
              client.api.database.getDatabaseClusterUser({
                database_cluster_id: id,
                user_name: i.user,
              }),
            ),
            () =>
              client.api.database.createDatabaseClusterUser({
                database_cluster_id: id,
                user_name: i.user,
              }),
          ),
      ).then(report(`user "${i.user}"`));
      await runCheckpoint(
        ctx,
        checkpointKey('database-pool', 'create', id, i.pool.name),
        () =>
          ensure(
            client,
            `create connection pool "${i.pool.name}"`,
            found(() =>
              client.api.database.getConnectionPool({
                database_cluster_id: id,
                pool_name: i.pool.name,
              }),
            ),
            () =>
              client.api.database.createConnectionPool({
                database_cluster_id: id,
                pool_name: i.pool.name,
                db_name: i.database,
                user_name: i.user,
                mode: i.pool.mode,
                size: i.pool.size,
              }),
          ),
      ).then(
        report(
          `connection pool "${i.pool.name}" (${i.pool.mode}, ${i.pool.size} connections)`,
        ),
      );

      db = await get();
      const pool = (
        await client.call('get connection pool', () =>
          client.api.database.getConnectionPool({
            database_cluster_id: id,
            pool_name: i.pool.name,
          }),
        )
      ).data.pool;
      ctx.output('databaseClusterId', db.id);
      ctx.output('name', db.name);
      ctx.output('region', db.region);
      ctx.output('version', db.version);
      ctx.output('vpcId', db.private_network_uuid);
      ctx.output('host', db.connection.host);
      ctx.output('privateHost', db.private_connection.host);
      ctx.output('port', db.connection.port);
      ctx.output('poolPort', pool.connection.port);
      ctx.output('database', i.database);
      ctx.output('user', i.user);
      ctx.output('pool', i.pool.name);
      ctx.output('status', db.status);
      ctx.output('created', !existing);
      ctx.output('outcome', existing ? 'unchanged' : 'created');
    },
  });
}
