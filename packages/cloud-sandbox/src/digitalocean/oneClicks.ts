/** 1-click applications for Kubernetes: the catalogue and their installation on a cluster. */
import { errorReply, ok, type DigitalOceanState, type Handlers } from './state';

const ONE_CLICKS = ['monitoring', 'kube-state-metrics', 'loki', 'ingress-nginx', 'cert-manager', 'metrics-server'];

export function oneClickHandlers(s: DigitalOceanState): Handlers {
  return {
    oneClicks_list: ctx => {
      const type = ctx.query.get('type');
      const all = [...ONE_CLICKS.map(slug => ({ slug, type: 'kubernetes' })), { slug: 'docker-20-04', type: 'droplet' }];
      return ok(200, { '1_clicks': type ? all.filter(o => o.type === type) : all });
    },
    oneClicks_install_kubernetes: ctx => {
      const c = s.cluster(ctx.body.cluster_uuid);
      const unknown = ctx.body.addon_slugs.filter((slug: string) => !ONE_CLICKS.includes(slug));
      if (unknown.length) return errorReply(422, `unknown 1-click application(s): ${unknown.join(', ')}`);
      s.installedAddons.push({ clusterId: c.id, slugs: [...ctx.body.addon_slugs] });
      return ok(200, { message: 'Successfully kicked off addon job.' });
    },
  };
}
