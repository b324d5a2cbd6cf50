export { createDigitalOceanDatabaseDeleteAction } from './databaseDelete';
export { createDigitalOceanDatabaseEnsureAction } from './databaseEnsure';
export { createDigitalOceanKubernetesDeleteAction } from './kubernetesDelete';
export { createDigitalOceanKubernetesEnsureAction } from './kubernetesEnsure';
export { createDigitalOceanVpcEnsureAction } from './vpcEnsure';
