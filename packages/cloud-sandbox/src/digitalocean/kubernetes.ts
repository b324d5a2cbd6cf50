/**
 * Kubernetes (DOKS) clusters: create, read, the versions they can be upgraded to, delete together
 * with their load balancers and volumes, and the kubeconfig and credentials of a running cluster.
 * Node pools and clusterlint have files of their own.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { iso } from '../clock';
import { K8S_VERSIONS, REGIONS, resolveVersion } from './catalog';
import { newNodePool, validatePoolSpec } from './nodePools';
import { renderCluster, renderKubeconfig } from './render';
import {
  errorReply,
  fakePem,
  ok,
  paginate,
  secret,
  type Cluster,
  type DigitalOceanState,
  type Handlers,
  type Vpc,
} from './state';

export function kubernetesHandlers(s: DigitalOceanState): Handlers {
  return {
    kubernetes_list_clusters: ctx => {
      const page = paginate(ctx, [...s.clusters.values()]);
      return ok(200, {
        kubernetes_clusters: page.items.map(c => renderCluster(s, c)),
        links: page.links,
        meta: page.meta,
      });
    },
    kubernetes_create_cluster: ctx => {
      const b = ctx.body;
      if ([...s.clusters.values()].some(c => c.name === b.name))
        return errorReply(
          422,
          `a cluster with the name "${b.name}" already exists`,
        );
      if (!REGIONS[b.region])
        return errorReply(
          422,
          `validation error: invalid region "${b.region}"`,
        );
      const version = resolveVersion(b.version);
      if (!version)
        return errorReply(
          422,
          `validation error: invalid version "${b.version}"`,
        );
      if (!Array.isArray(b.node_pools) || b.node_pools.length === 0)
        return errorReply(
          422,
          'validation error: a cluster needs at least one node pool',
        );
      for (const p of b.node_pools) {
        const problem = validatePoolSpec(p, b.region);
        if (problem) return errorReply(422, `validation error: ${problem}`);
      }
      let vpc: Vpc;
      if (b.vpc_uuid) {
        const found = s.vpcs.get(b.vpc_uuid);
        if (!found || found.region !== b.region)
          return errorReply(
            422,
            `validation error: VPC ${b.vpc_uuid} not found in region ${b.region}`,
          );
        vpc = found;
      } else vpc = s.defaultVpc(b.region);
      const now = s.clock.now();
      const readyAt = now + s.timings.clusterMs;
      const c: Cluster = {
        id: randomUUID(),
        name: b.name,
        region: b.region,
        version,
        vpc_uuid: vpc.id,
        tags: (b.tags ?? []).filter((t: string) => !t.startsWith('k8s')),
        node_pools: [],
        maintenance_policy: {
          start_time: b.maintenance_policy?.start_time ?? '00:00',
          day: b.maintenance_policy?.day ?? 'any',
        },
        auto_upgrade: Boolean(b.auto_upgrade),
        surge_upgrade: Boolean(b.surge_upgrade),
        ha: Boolean(b.ha),
        created: now,
        updated: now,
        readyAt,
        ipv4: `203.0.113.${randomInt(2, 254)}`,
        token: s.secret(`dok8s_${secret(32)}`),
        caData: Buffer.from(fakePem('CERTIFICATE')).toString('base64'),
        lintRuns: [],
        lintFindings: [],
      };
      c.node_pools = b.node_pools.map((p: unknown) =>
        newNodePool(s, p, readyAt),
      );
      s.clusters.set(c.id, c);
      return ok(201, { kubernetes_cluster: renderCluster(s, c) });
    },
    kubernetes_get_cluster: ctx =>
      ok(200, {
        kubernetes_cluster: renderCluster(s, s.cluster(ctx.params.cluster_id)),
      }),
    kubernetes_list_associatedResources: ctx => {
      const c = s.cluster(ctx.params.cluster_id);
      return ok(200, {
        load_balancers: [...s.loadBalancers.values()]
          .filter(lb => lb.clusterId === c.id)
          .map(lb => ({ id: lb.id, name: lb.name })),
        volumes: [...s.volumes.values()]
          .filter(v => v.clusterId === c.id)
          .map(v => ({ id: v.id, name: v.name })),
        volume_snapshots: [],
      });
    },
    kubernetes_destroy_associatedResourcesDangerous: ctx => {
      const c = s.cluster(ctx.params.cluster_id);
      for (const [id, lb] of s.loadBalancers)
        if (lb.clusterId === c.id) s.loadBalancers.delete(id);
      for (const [id, v] of s.volumes)
        if (v.clusterId === c.id) s.volumes.delete(id);
      s.deleteCluster(c);
      return { status: 204 };
    },
    kubernetes_get_kubeconfig: ctx => {
      const c = s.cluster(ctx.params.cluster_id);
      if (!s.up(c))
        return errorReply(
          404,
          'the kubeconfig is not available until the cluster is running',
        );
      return {
        status: 200,
        text: renderKubeconfig(s, c),
        contentType: 'application/yaml',
      };
    },
    kubernetes_get_credentials: ctx => {
      const c = s.cluster(ctx.params.cluster_id);
      if (!s.up(c))
        return errorReply(
          404,
          'credentials are not available until the cluster is running',
        );
      const expiry =
        Number(ctx.query.get('expiry_seconds') ?? 0) || 7 * 24 * 3600;
      const login = s.credentials(c);
      return ok(200, {
        server: login.server,
        certificate_authority_data: login.caData,
        client_certificate_data: null,
        client_key_data: null,
        token: login.token,
        expires_at: iso(s.clock.now() + expiry * 1000),
      });
    },
    kubernetes_get_availableUpgrades: ctx => {
      const c = s.cluster(ctx.params.cluster_id);
      const newer = K8S_VERSIONS.filter(
        v => v.localeCompare(c.version, undefined, { numeric: true }) > 0,
      );
      return ok(200, {
        available_upgrade_versions: newer.map(slug => ({
          slug,
          kubernetes_version: slug.split('-')[0],
          supported_features: [],
        })),
      });
    },
  };
}
