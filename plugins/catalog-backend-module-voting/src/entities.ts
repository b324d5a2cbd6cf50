import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import {
  ENVIRONMENT_ANNOTATION,
  ENVIRONMENT_NAMESPACE,
  ENVIRONMENT_UPDATED_AT_ANNOTATION,
  REGION_LABEL,
  RESULT_URL_ANNOTATION,
  VOTE_URL_ANNOTATION,
  type VotingEnvironment,
} from '@voting-platform/plugin-voting-common';

/** The annotation naming the environment an entity was made from (defined with the status views that read it). */
export { ENVIRONMENT_ANNOTATION };
/**
 * The annotation holding a Resource's DigitalOcean id.
 *
 * @public
 */
export const DIGITALOCEAN_ID_ANNOTATION = 'voting-platform.io/digitalocean-id';

const SYSTEM = 'system:default/voting-platform';

/** The Resources of an environment, by the part of their name after the environment's. */
const RESOURCES = ['cluster', 'database', 'dns-vote', 'dns-result'] as const;

/**
 * The references of every entity made from the environment of this name.
 *
 * @public
 */
export function environmentEntityRefs(name: string): string[] {
  return [
    stringifyEntityRef({
      kind: 'component',
      namespace: ENVIRONMENT_NAMESPACE,
      name,
    }),
    ...RESOURCES.map(part =>
      stringifyEntityRef({
        kind: 'resource',
        namespace: ENVIRONMENT_NAMESPACE,
        name: `${name}-${part}`,
      }),
    ),
  ];
}

/**
 * The catalog entities of an environment record: a Component for its voting app (with the
 * annotations the "Live votes" card reads) that depends on a Resource each for the cluster, the
 * database and the two DNS records; all owned by the environment's team and part of the
 * voting-platform System. Only ids, names and addresses: the record holds nothing else.
 *
 * `location` is where the record lives (`url:<voting backend>/environments/<name>`).
 *
 * @public
 */
export function environmentEntities(
  environment: VotingEnvironment,
  location: string,
): Entity[] {
  const { name, owner } = environment;
  const [, ...resourceRefs] = environmentEntityRefs(name);
  const metadata = (
    entityName: string,
    extra: Record<string, string> = {},
  ) => ({
    name: entityName,
    namespace: ENVIRONMENT_NAMESPACE,
    annotations: {
      [ANNOTATION_LOCATION]: location,
      [ANNOTATION_ORIGIN_LOCATION]: location,
      [ENVIRONMENT_ANNOTATION]: name,
      ...extra,
    },
    ...(environment.region
      ? { labels: { [REGION_LABEL]: environment.region } }
      : {}),
  });
  const resource = (
    part: (typeof RESOURCES)[number],
    type: string,
    title: string,
    description: string,
    extra: { annotations?: Record<string, string>; url?: string } = {},
  ): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      ...metadata(`${name}-${part}`, extra.annotations),
      title,
      description,
      ...(extra.url ? { links: [{ url: extra.url, title }] } : {}),
    },
    spec: { type, owner, system: SYSTEM },
  });
  const voteHost = new URL(environment.voteUrl).hostname;
  const resultHost = new URL(environment.resultUrl).hostname;
  const links = [
    { url: environment.voteUrl, title: 'Vote app', icon: 'web' },
    { url: environment.resultUrl, title: 'Result app', icon: 'dashboard' },
    ...(environment.grafanaUrl
      ? [{ url: environment.grafanaUrl, title: 'Grafana', icon: 'dashboard' }]
      : []),
  ];
  return [
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        ...metadata(name, {
          [VOTE_URL_ANNOTATION]: environment.voteUrl,
          [RESULT_URL_ANNOTATION]: environment.resultUrl,
          [ENVIRONMENT_UPDATED_AT_ANNOTATION]: environment.updatedAt,
        }),
        title: `${name} (voting app)`,
        description: `The voting app of environment ${name}, at ${voteHost} and ${resultHost}; recorded ${environment.createdAt}, updated ${environment.updatedAt}`,
        tags: ['voting-environment'],
        links,
      },
      spec: {
        type: 'website',
        lifecycle: 'production',
        owner,
        system: SYSTEM,
        dependsOn: resourceRefs,
      },
    },
    resource(
      'cluster',
      'kubernetes-cluster',
      `${name} Kubernetes cluster`,
      `DigitalOcean Kubernetes cluster ${environment.clusterId} in VPC ${environment.vpcId}`,
      {
        annotations: {
          [DIGITALOCEAN_ID_ANNOTATION]: environment.clusterId,
          'voting-platform.io/digitalocean-vpc-id': environment.vpcId,
        },
        url: `https://cloud.digitalocean.com/kubernetes/clusters/${environment.clusterId}`,
      },
    ),
    resource(
      'database',
      'database',
      `${name} PostgreSQL`,
      `DigitalOcean managed PostgreSQL ${environment.databaseId}`,
      {
        annotations: { [DIGITALOCEAN_ID_ANNOTATION]: environment.databaseId },
        url: `https://cloud.digitalocean.com/databases/${environment.databaseId}`,
      },
    ),
    resource(
      'dns-vote',
      'dns-record',
      voteHost,
      `Cloudflare DNS record of the vote app (${voteHost})`,
    ),
    resource(
      'dns-result',
      'dns-record',
      resultHost,
      `Cloudflare DNS record of the result app (${resultHost})`,
    ),
  ];
}
