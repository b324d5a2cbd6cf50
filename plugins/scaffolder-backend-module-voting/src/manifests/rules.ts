/**
 * The naming rules every input and generated name of the voting manifests follows, in one place:
 * the zod schemas of the actions and the generator both use them. The DNS-label rule is
 * Kubernetes's own, shared with the kubernetes module.
 */

export {
  DNS_LABEL,
  DNS_LABEL_MESSAGE,
} from '@voting-platform/plugin-kubernetes-node';

/** A domain with at least two labels; room is left for the `vote.`, `result.` and `grafana.` prefixes. */
export const DOMAIN =
  /^(?=.{1,240}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/;
export const DOMAIN_MESSAGE = 'must be a domain such as example.com';

/** Registry and repository prefix of an image reference, without the image name or tag. */
export const IMAGE_REPOSITORY = /^[a-z0-9][a-z0-9.:/_-]*[a-z0-9]$/;
export const IMAGE_REPOSITORY_MESSAGE =
  'must be a registry path such as registry.example.com/team';

/** An image tag as the OCI distribution spec allows it. */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const IMAGE_TAG_MESSAGE = 'must be a valid image tag';

/** A poll id: it becomes part of queue keys and stream names. */
export const POLL_ID = /^[a-z0-9-]{1,63}$/;

/** A Kubernetes quantity of bytes such as 1Gi or 500Mi. */
export const STORAGE_SIZE = /^[1-9][0-9]*(Mi|Gi|Ti)$/;

/** The image of one of the voting services. */
export const imageOf = (repository: string, service: string, tag: string) =>
  `${repository}/${service}:${tag}`;

/** The public host names of a deployment on a domain. */
export const hosts = (domain: string) => ({
  vote: `vote.${domain}`,
  result: `result.${domain}`,
  grafana: `grafana.${domain}`,
});

/** A name cut to a DNS label's 63 characters, without a dash at the end. */
export const toLabel = (name: string) => name.slice(0, 63).replace(/-+$/, '');
