/** A cluster's node pools: list, add, read, resize or relabel, delete; nodes come up on the clock. */
import { randomInt, randomUUID } from 'node:crypto';
import { NODE_SIZES, offeredIn } from './catalog';
import { renderPool } from './render';
import {
  errorReply,
  NotFound,
  ok,
  secret,
  type DigitalOceanState,
  type Handlers,
  type NodePool,
} from './state';

export function nodePoolHandlers(s: DigitalOceanState): Handlers {
  return {
    kubernetes_list_nodePools: ctx => {
      const c = s.cluster(ctx.params.cluster_id);
      return ok(200, {
        node_pools: c.node_pools.map(p => renderPool(s, c, p)),
      });
    },
    kubernetes_add_nodePool: ctx => {
      const c = s.cluster(ctx.params.cluster_id);
      const problem = validatePoolSpec(ctx.body, c.region);
      if (problem) return errorReply(422, `validation error: ${problem}`);
      if (c.node_pools.some(p => p.name === ctx.body.name))
        return errorReply(
          422,
          `a node pool named "${ctx.body.name}" already exists in this cluster`,
        );
      const pool = newNodePool(
        s,
        ctx.body,
        Math.max(c.readyAt, s.clock.now() + s.timings.nodePoolMs),
      );
      c.node_pools.push(pool);
      return ok(201, { node_pool: renderPool(s, c, pool) });
    },
    kubernetes_get_nodePool: ctx => {
      const c = s.cluster(ctx.params.cluster_id);
      const p = c.node_pools.find(x => x.id === ctx.params.node_pool_id);
      if (!p) throw new NotFound();
      return ok(200, { node_pool: renderPool(s, c, p) });
    },
    kubernetes_update_nodePool: ctx => {
      const c = s.cluster(ctx.params.cluster_id);
      const p = c.node_pools.find(x => x.id === ctx.params.node_pool_id);
      if (!p) throw new NotFound();
      const b = ctx.body;
      p.name = b.name;
      if (b.tags) p.tags = b.tags.filter((t: string) => !t.startsWith('k8s'));
      if (b.labels !== undefined) p.labels = b.labels;
      if (b.taints) p.taints = b.taints;
      if (b.auto_scale !== undefined) p.auto_scale = b.auto_scale;
      if (b.min_nodes !== undefined) p.min_nodes = b.min_nodes;
      if (b.max_nodes !== undefined) p.max_nodes = b.max_nodes;
      if (b.count !== p.count) {
        const before = p.nodes.length;
        resizePool(s, p, b.count);
        if (b.count > before)
          p.readyAt = Math.max(c.readyAt, s.clock.now() + s.timings.nodePoolMs);
      }
      return ok(202, { node_pool: renderPool(s, c, p) });
    },
    kubernetes_delete_nodePool: ctx => {
      const c = s.cluster(ctx.params.cluster_id);
      const index = c.node_pools.findIndex(
        x => x.id === ctx.params.node_pool_id,
      );
      if (index < 0) throw new NotFound();
      c.node_pools.splice(index, 1);
      return { status: 204 };
    },
  };
}

/** Why a node pool of a create or add request is refused, if it is. */
export function validatePoolSpec(
  spec: any,
  region: string,
): string | undefined {
  if (!NODE_SIZES.includes(spec.size)) return `invalid size: ${spec.size}`;
  if (!offeredIn(spec.size, region))
    return `size ${spec.size} is not offered in region ${region}`;
  if (!(Number(spec.count) >= 1) && !spec.auto_scale)
    return 'node pool count must be at least 1';
  return undefined;
}

/** A node pool as requested, its nodes ready at `readyAt`. */
export function newNodePool(
  s: DigitalOceanState,
  spec: any,
  readyAt: number,
): NodePool {
  const count = Number(spec.count ?? 1);
  const pool: NodePool = {
    id: randomUUID(),
    name: String(spec.name),
    size: String(spec.size),
    count,
    tags: (spec.tags ?? []).filter((t: string) => !t.startsWith('k8s')),
    labels: spec.labels ?? null,
    taints: spec.taints ?? [],
    auto_scale: Boolean(spec.auto_scale),
    min_nodes: Number(spec.min_nodes ?? (spec.auto_scale ? 1 : 0)),
    max_nodes: Number(spec.max_nodes ?? (spec.auto_scale ? count : 0)),
    nodes: [],
    readyAt,
  };
  resizePool(s, pool, count);
  return pool;
}

function resizePool(s: DigitalOceanState, pool: NodePool, count: number): void {
  while (pool.nodes.length < count) {
    pool.nodes.push({
      id: randomUUID(),
      name: `${pool.name}-${secret(3).slice(0, 5)}`,
      droplet_id: String(randomInt(100_000_000, 999_999_999)),
      created: s.clock.now(),
    });
  }
  pool.nodes.length = count;
  pool.count = count;
}
