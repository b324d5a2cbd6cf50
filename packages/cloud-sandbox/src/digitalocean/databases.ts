/**
 * Managed databases: clusters (creating -> online on the clock), resize (resizing -> online),
 * events, backups, firewall rules, and the users, databases and connection pools inside a cluster
 * (created and read by name: what the database action does).
 */
import { randomUUID } from 'node:crypto';
import { iso } from '../clock';
import { DB_LAYOUTS, DB_SIZES, DB_VERSIONS, REGIONS } from './catalog';
import { renderConnectionPool, renderDatabase, renderRule } from './render';
import {
  errorReply,
  NotFound,
  ok,
  secret,
  type Database,
  type DbUser,
  type DigitalOceanState,
  type Handlers,
  type Pool,
} from './state';

export function databaseHandlers(s: DigitalOceanState): Handlers {
  return {
    databases_list_clusters: ctx => {
      const tag = ctx.query.get('tag_name');
      const all = [...s.databases.values()].filter(
        d => !tag || d.tags.includes(tag),
      );
      return ok(200, { databases: all.map(d => renderDatabase(s, d)) });
    },
    databases_create_cluster: async ctx => {
      const b = ctx.body;
      if ([...s.databases.values()].some(d => d.name === b.name))
        return errorReply(422, `cluster name "${b.name}" is not available`);
      const versions = DB_VERSIONS[b.engine];
      if (!versions)
        return errorReply(422, `engine "${b.engine}" is not available`);
      const version = b.version ?? versions[versions.length - 1]!;
      if (!versions.includes(version))
        return errorReply(
          422,
          `version "${version}" of ${b.engine} is not available`,
        );
      if (!REGIONS[b.region])
        return errorReply(422, `invalid region "${b.region}"`);
      if (!DB_SIZES.includes(b.size))
        return errorReply(422, `invalid size "${b.size}"`);
      if (!(b.num_nodes >= 1 && b.num_nodes <= 3))
        return errorReply(422, 'num_nodes must be between 1 and 3');
      let vpcId: string;
      if (b.private_network_uuid) {
        const v = s.vpcs.get(b.private_network_uuid);
        if (!v || v.region !== b.region)
          return errorReply(
            422,
            `VPC ${b.private_network_uuid} not found in region ${b.region}`,
          );
        vpcId = v.id;
      } else vpcId = s.defaultVpc(b.region).id;
      const now = s.clock.now();
      const admin = 'doadmin';
      const d: Database = {
        id: randomUUID(),
        name: b.name,
        engine: b.engine,
        version,
        num_nodes: b.num_nodes,
        size: b.size,
        region: b.region,
        private_network_uuid: vpcId,
        tags: b.tags ?? [],
        created: now,
        readyAt: s.heldDatabases.has(b.name)
          ? Number.POSITIVE_INFINITY
          : now + s.timings.databaseMs,
        resizingUntil: 0,
        events: [],
        users: [
          {
            name: admin,
            role: 'primary',
            password: s.secret(`AVNS_${secret(12)}`),
          },
        ],
        dbs: ['defaultdb', ...(b.db_names ?? [])],
        pools: [],
        rules: (b.rules ?? []).map((r: any) => ({
          uuid: randomUUID(),
          type: r.type,
          value: r.value,
          description: r.description,
          created: now,
        })),
        maintenance: { day: 'sunday', hour: '03:00:00' },
        storage_size_mib: b.storage_size_mib ?? 10240,
      };
      const backend = s.options.databaseBackend;
      if (backend) {
        await backend.ensureUser(d, d.users[0]!);
        for (const db of d.dbs) await backend.ensureDatabase(d, db, admin);
      }
      s.databaseEvent(d, 'cluster_create');
      s.databases.set(d.id, d);
      return ok(201, { database: renderDatabase(s, d) });
    },
    databases_get_cluster: ctx =>
      ok(200, {
        database: renderDatabase(
          s,
          s.database(ctx.params.database_cluster_uuid),
        ),
      }),
    databases_destroy_cluster: async ctx => {
      const d = s.database(ctx.params.database_cluster_uuid);
      s.databases.delete(d.id);
      await s.options.databaseBackend?.dropCluster(
        d,
        d.users.map(u => u.name),
        d.dbs,
      );
      return { status: 204 };
    },
    databases_update_clusterSize: ctx => {
      const d = s.database(ctx.params.database_cluster_uuid);
      const status = s.databaseStatus(d);
      if (status !== 'online')
        return errorReply(412, `the database cluster is ${status}, not online`);
      const b = ctx.body;
      const layout = DB_LAYOUTS.find(l => l.num_nodes === b.num_nodes);
      if (!layout) return errorReply(422, 'num_nodes must be between 1 and 3');
      if (!layout.sizes.includes(b.size))
        return errorReply(
          422,
          `size "${b.size}" is not offered with ${b.num_nodes} node(s)`,
        );
      if (
        b.storage_size_mib !== undefined &&
        b.storage_size_mib < d.storage_size_mib
      )
        return errorReply(422, 'storage can grow but not shrink');
      d.size = b.size;
      d.num_nodes = b.num_nodes;
      d.storage_size_mib = b.storage_size_mib ?? d.storage_size_mib;
      d.resizingUntil = s.clock.now() + s.timings.resizeMs;
      s.databaseEvent(d, 'cluster_update');
      return { status: 202 };
    },
    databases_list_events_logs: ctx =>
      ok(200, {
        events: s
          .database(ctx.params.database_cluster_uuid)
          .events.map(e => ({ ...e })),
      }),
    databases_list_firewall_rules: ctx => {
      const d = s.database(ctx.params.database_cluster_uuid);
      return ok(200, { rules: d.rules.map(r => renderRule(d, r)) });
    },
    databases_update_firewall_rules: ctx => {
      const d = s.database(ctx.params.database_cluster_uuid);
      const rules: any[] = ctx.body.rules ?? [];
      for (const r of rules) {
        if (r.type === 'k8s' && !s.clusters.has(r.value))
          return errorReply(
            422,
            `firewall rule: no Kubernetes cluster ${r.value}`,
          );
      }
      d.rules = rules.map(r => ({
        uuid: r.uuid || randomUUID(),
        type: r.type,
        value: r.value,
        description: r.description,
        created: s.clock.now(),
      }));
      return { status: 204 };
    },
    databases_list_backups: ctx => {
      const d = s.database(ctx.params.database_cluster_uuid);
      const online = s.clock.now() >= d.readyAt;
      return ok(200, {
        backups: online
          ? [{ created_at: iso(d.readyAt), size_gigabytes: 0.03 }]
          : [],
      });
    },

    // ── users, databases and connection pools inside a cluster ──
    databases_add_user: async ctx => {
      const d = s.database(ctx.params.database_cluster_uuid);
      const notReady = s.needOnline(d);
      if (notReady) return notReady;
      if (d.users.some(u => u.name === ctx.body.name))
        return errorReply(422, `user "${ctx.body.name}" already exists`);
      const user: DbUser = {
        name: ctx.body.name,
        role: 'normal',
        password: s.secret(`AVNS_${secret(12)}`),
      };
      await s.options.databaseBackend?.ensureUser(d, user);
      d.users.push(user);
      return ok(201, { user: { ...user } });
    },
    databases_get_user: ctx => {
      const d = s.database(ctx.params.database_cluster_uuid);
      const u = d.users.find(x => x.name === ctx.params.username);
      if (!u) throw new NotFound();
      return ok(200, { user: { ...u } });
    },
    databases_add: async ctx => {
      const d = s.database(ctx.params.database_cluster_uuid);
      const notReady = s.needOnline(d);
      if (notReady) return notReady;
      if (d.dbs.includes(ctx.body.name))
        return errorReply(422, `database "${ctx.body.name}" already exists`);
      await s.options.databaseBackend?.ensureDatabase(
        d,
        ctx.body.name,
        d.users[0]!.name,
      );
      d.dbs.push(ctx.body.name);
      return ok(201, { db: { name: ctx.body.name } });
    },
    databases_get: ctx => {
      const d = s.database(ctx.params.database_cluster_uuid);
      if (!d.dbs.includes(ctx.params.database_name ?? '')) throw new NotFound();
      return ok(200, { db: { name: ctx.params.database_name } });
    },
    databases_add_connectionPool: ctx => {
      const d = s.database(ctx.params.database_cluster_uuid);
      const notReady = s.needOnline(d);
      if (notReady) return notReady;
      const b = ctx.body;
      if (d.pools.some(p => p.name === b.name))
        return errorReply(422, `pool "${b.name}" already exists`);
      if (!d.dbs.includes(b.db))
        return errorReply(422, `database "${b.db}" does not exist`);
      const user = b.user ?? d.users[0]!.name;
      if (!d.users.some(u => u.name === user))
        return errorReply(422, `user "${user}" does not exist`);
      if (!['transaction', 'session', 'statement'].includes(b.mode))
        return errorReply(422, `invalid pool mode "${b.mode}"`);
      const pool: Pool = {
        name: b.name,
        mode: b.mode,
        size: b.size,
        db: b.db,
        user,
      };
      d.pools.push(pool);
      return ok(201, { pool: renderConnectionPool(s, d, pool) });
    },
    databases_get_connectionPool: ctx => {
      const d = s.database(ctx.params.database_cluster_uuid);
      const p = d.pools.find(x => x.name === ctx.params.pool_name);
      if (!p) throw new NotFound();
      return ok(200, { pool: renderConnectionPool(s, d, p) });
    },
  };
}
