/**
 * What can be ordered where: `/v2/regions`, `/v2/sizes` (with prices), the Kubernetes options
 * (regions, versions, node sizes) and the database options (engines, versions, layouts), all read
 * from the one catalog so that they agree.
 */
import {
  DB_LAYOUTS,
  DB_VERSIONS,
  DROPLET_SIZES,
  K8S_VERSIONS,
  NODE_SIZES,
  REGIONS,
} from './catalog';
import { renderRegion, renderSize } from './render';
import { ok, paginate, type Handlers } from './state';

export function regionsAndSizesHandlers(): Handlers {
  return {
    regions_list: ctx => {
      const page = paginate(ctx, Object.keys(REGIONS));
      return ok(200, {
        regions: page.items.map(slug => renderRegion(slug)),
        links: page.links,
        meta: page.meta,
      });
    },
    sizes_list: ctx => {
      const page = paginate(ctx, DROPLET_SIZES);
      return ok(200, {
        sizes: page.items.map(s => renderSize(s)),
        links: page.links,
        meta: page.meta,
      });
    },
    kubernetes_list_options: () =>
      ok(200, {
        options: {
          regions: Object.entries(REGIONS).map(([slug, name]) => ({
            name,
            slug,
          })),
          versions: K8S_VERSIONS.map(slug => ({
            slug,
            kubernetes_version: slug.split('-')[0],
            supported_features: [
              'cluster-autoscaler',
              'docr-integration',
              'ha-control-plane',
              'token-authentication',
            ],
          })),
          sizes: NODE_SIZES.map(s => ({ name: s, slug: s })),
        },
      }),
    databases_list_options: () =>
      ok(200, {
        options: Object.fromEntries(
          Object.entries(DB_VERSIONS).map(([engine, versions]) => [
            engine,
            { regions: Object.keys(REGIONS), versions, layouts: DB_LAYOUTS },
          ]),
        ),
        version_availability: Object.fromEntries(
          Object.entries(DB_VERSIONS).map(([engine, versions]) => [
            engine,
            versions.map(version => ({
              version,
              end_of_life: null,
              end_of_availability: null,
            })),
          ]),
        ),
      }),
  };
}
