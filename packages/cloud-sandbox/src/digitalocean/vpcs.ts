/** VPC networks: a region's default one is made on first use; others by `POST /v2/vpcs`; listed with pagination. */
import { randomUUID } from 'node:crypto';
import { REGIONS } from './catalog';
import { renderVpc } from './render';
import {
  errorReply,
  ok,
  paginate,
  type DigitalOceanState,
  type Handlers,
  type Vpc,
} from './state';

export function vpcHandlers(s: DigitalOceanState): Handlers {
  return {
    vpcs_list: ctx => {
      const page = paginate(ctx, [...s.vpcs.values()]);
      return ok(200, {
        vpcs: page.items.map(v => renderVpc(v)),
        links: page.links,
        meta: page.meta,
      });
    },
    vpcs_create: ctx => {
      const b = ctx.body;
      if ([...s.vpcs.values()].some(v => v.name === b.name))
        return errorReply(
          422,
          `a VPC with the name "${b.name}" already exists`,
        );
      if (!REGIONS[b.region])
        return errorReply(422, `invalid region "${b.region}"`);
      const v: Vpc = {
        id: randomUUID(),
        name: b.name,
        description: b.description ?? '',
        region: b.region,
        ip_range: b.ip_range ?? `10.${110 + s.vpcs.size}.0.0/20`,
        default: false,
        created: s.clock.now(),
      };
      s.vpcs.set(v.id, v);
      return ok(201, { vpc: renderVpc(v) });
    },
  };
}
