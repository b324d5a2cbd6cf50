/**
 * Load balancers: made by a cluster's cloud controller for a Service of type LoadBalancer (in the
 * emulator, by `addLoadBalancer()`), read through `GET /v2/load_balancers[/{lb_id}]`.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { renderLoadBalancer } from './render';
import {
  NotFound,
  ok,
  paginate,
  type DigitalOceanState,
  type Handlers,
  type LoadBalancer,
} from './state';

export function loadBalancerHandlers(s: DigitalOceanState): Handlers {
  return {
    loadBalancers_list: ctx => {
      const page = paginate(ctx, [...s.loadBalancers.values()]);
      return ok(200, {
        load_balancers: page.items.map(lb => renderLoadBalancer(s, lb)),
        links: page.links,
        meta: page.meta,
      });
    },
    loadBalancers_get: ctx => {
      const lb = s.loadBalancers.get(ctx.params.lb_id ?? '');
      if (!lb) throw new NotFound();
      return ok(200, { load_balancer: renderLoadBalancer(s, lb) });
    },
  };
}

/** Adds a load balancer as the cloud controller would; with a clusterId it is one of the cluster's associated resources. */
export function addLoadBalancer(
  s: DigitalOceanState,
  opts: { clusterId?: string; name?: string; region?: string; ip?: string },
): { id: string; name: string; ip: string } {
  const cluster = opts.clusterId ? s.clusters.get(opts.clusterId) : undefined;
  if (opts.clusterId && !cluster)
    throw new Error(`no cluster ${opts.clusterId}`);
  const id = randomUUID();
  const lb: LoadBalancer = {
    id,
    name: opts.name ?? `a${id.replace(/-/g, '').slice(0, 31)}`,
    ip: opts.ip ?? `198.51.100.${randomInt(2, 254)}`,
    region: opts.region ?? cluster?.region ?? 'nyc1',
    vpc_uuid: cluster?.vpc_uuid ?? s.defaultVpc(opts.region ?? 'nyc1').id,
    clusterId: cluster?.id,
    created: s.clock.now(),
  };
  s.loadBalancers.set(id, lb);
  return { id, name: lb.name, ip: lb.ip };
}
