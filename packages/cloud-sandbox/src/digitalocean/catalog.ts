/**
 * What the emulated DigitalOcean offers: regions, Kubernetes versions, Droplet sizes with their
 * list prices, database engines, versions, sizes and layouts. The Kubernetes and database options,
 * `/v2/regions` and `/v2/sizes` all read these, so they agree with each other.
 */
export const REGIONS: Record<string, string> = {
  nyc1: 'New York 1',
  nyc3: 'New York 3',
  sfo3: 'San Francisco 3',
  ams3: 'Amsterdam 3',
  fra1: 'Frankfurt 1',
  lon1: 'London 1',
  sgp1: 'Singapore 1',
  tor1: 'Toronto 1',
  blr1: 'Bangalore 1',
  syd1: 'Sydney 1',
};
export const K8S_VERSIONS = ['1.34.1-do.0', '1.33.5-do.0', '1.32.9-do.0'];
export const REGION_FEATURES = [
  'private_networking',
  'backups',
  'ipv6',
  'metadata',
  'install_agent',
  'storage',
  'image_transfer',
];
/** Droplet sizes at DigitalOcean's list prices (USD); `transfer` in TB, `disk` in GiB, `memory` in MiB. */
export const DROPLET_SIZES = [
  {
    slug: 's-1vcpu-1gb',
    description: 'Basic',
    vcpus: 1,
    memory: 1024,
    disk: 25,
    transfer: 1,
    price_monthly: 6,
  },
  {
    slug: 's-1vcpu-2gb',
    description: 'Basic',
    vcpus: 1,
    memory: 2048,
    disk: 50,
    transfer: 2,
    price_monthly: 12,
  },
  {
    slug: 's-2vcpu-2gb',
    description: 'Basic',
    vcpus: 2,
    memory: 2048,
    disk: 60,
    transfer: 3,
    price_monthly: 18,
  },
  {
    slug: 's-2vcpu-4gb',
    description: 'Basic',
    vcpus: 2,
    memory: 4096,
    disk: 80,
    transfer: 4,
    price_monthly: 24,
  },
  {
    slug: 's-4vcpu-8gb',
    description: 'Basic',
    vcpus: 4,
    memory: 8192,
    disk: 160,
    transfer: 5,
    price_monthly: 48,
  },
  {
    slug: 'g-2vcpu-8gb',
    description: 'General Purpose',
    vcpus: 2,
    memory: 8192,
    disk: 25,
    transfer: 4,
    price_monthly: 63,
    // as at DigitalOcean, not every size is offered everywhere: forms must follow the region
    regions: ['nyc1', 'nyc3', 'sfo3', 'ams3', 'fra1', 'lon1', 'tor1'],
  },
  {
    slug: 'c-2',
    description: 'CPU-Optimized',
    vcpus: 2,
    memory: 4096,
    disk: 25,
    transfer: 4,
    price_monthly: 42,
    regions: ['nyc1', 'nyc3', 'sfo3', 'ams3', 'fra1', 'lon1', 'sgp1', 'tor1'],
  },
];
export type DropletSize = (typeof DROPLET_SIZES)[number] & {
  regions?: string[];
};

/** The regions where a Droplet size is offered (every region unless it lists some). */
export function sizeRegions(size: DropletSize): string[] {
  return size.regions ?? Object.keys(REGIONS);
}

/** Whether a Droplet size is offered in a region. */
export function offeredIn(slug: string, region: string): boolean {
  const size: DropletSize | undefined = DROPLET_SIZES.find(
    s => s.slug === slug,
  );
  return size !== undefined && sizeRegions(size).includes(region);
}
// DOKS refuses worker nodes with less than 2 GB of memory
export const NODE_SIZES = DROPLET_SIZES.filter(s => s.memory >= 2048).map(
  s => s.slug,
);
export const DB_SIZES = [
  'db-s-1vcpu-1gb',
  'db-s-1vcpu-2gb',
  'db-s-2vcpu-4gb',
  'db-s-4vcpu-8gb',
];
// standby nodes are not offered on the smallest size
export const DB_LAYOUTS = [1, 2, 3].map(num_nodes => ({
  num_nodes,
  sizes: num_nodes === 1 ? DB_SIZES : DB_SIZES.slice(1),
}));
export const DB_VERSIONS: Record<string, string[]> = {
  pg: ['15', '16', '17'],
  mysql: ['8'],
  valkey: ['8'],
  redis: ['7'],
  mongodb: ['7.0', '8.0'],
};

/** The newest Kubernetes version matching `latest`, a slug, or a minor/patch prefix. */
export function resolveVersion(v: string): string | undefined {
  if (v === 'latest') return K8S_VERSIONS[0];
  return K8S_VERSIONS.find(
    s => s === v || s.startsWith(`${v}-`) || s.startsWith(`${v}.`),
  );
}
