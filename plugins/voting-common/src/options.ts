/**
 * What the providers offer, as the voting backend's `/options/...` routes answer it for the
 * create template's form fields.
 */

/**
 * A Droplet size that DigitalOcean Kubernetes accepts for worker nodes.
 *
 * @public
 */
export type NodeSizeOption = {
  slug: string;
  /** DigitalOcean's family name: Basic, General Purpose, CPU-Optimized... */
  description: string;
  vcpus: number;
  memoryMiB: number;
  /** List price of one node a month, in US dollars. */
  priceMonthly: number;
  /** Region slugs where the size is offered. */
  regions: string[];
};

/**
 * `GET /api/voting/options/kubernetes`: regions, Kubernetes versions and node sizes (with their
 * prices) from DigitalOcean's `/v2/kubernetes/options` and `/v2/sizes`.
 *
 * @public
 */
export type KubernetesOptions = {
  regions: Array<{ slug: string; name: string }>;
  /** Newest first, as DigitalOcean lists them; offered in every region. */
  versions: Array<{ slug: string; kubernetesVersion: string }>;
  nodeSizes: NodeSizeOption[];
};

/**
 * `GET /api/voting/options/databases`: what DigitalOcean offers for managed PostgreSQL
 * (`/v2/databases/options`, engine `pg`).
 *
 * @public
 */
export type DatabaseOptions = {
  regions: string[];
  versions: string[];
  /** The sizes offered for each number of nodes (a primary and its standbys). */
  layouts: Array<{ nodes: number; sizes: string[] }>;
};

/**
 * An active Cloudflare zone of the account (`GET /zones?status=active`); the zone field of the
 * create template stores it as it is.
 *
 * @public
 */
export type CloudflareZoneOption = { id: string; name: string };

/**
 * `GET /api/voting/options/zones`.
 *
 * @public
 */
export type CloudflareZoneOptions = { zones: CloudflareZoneOption[] };
