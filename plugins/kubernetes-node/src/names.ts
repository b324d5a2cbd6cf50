/**
 * Kubernetes's naming rule for namespaces, Services, Secrets and Helm releases, in one place for
 * every package that names objects.
 */

/**
 * An RFC 1123 label: lowercase letters, digits and dashes, at most 63 characters.
 *
 * @public
 */
export const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** @public */
export const DNS_LABEL_MESSAGE =
  'must be a DNS label (lowercase letters, digits and dashes, at most 63 characters)';
