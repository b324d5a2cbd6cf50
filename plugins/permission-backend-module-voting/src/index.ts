/**
 * The voting platform's permission policy module and the scaffolder guard that applies it to
 * the templates' parameters.
 *
 * @packageDocumentation
 */
import { createBackendFeatureLoader } from '@backstage/backend-plugin-api';
import {
  permissionModuleVotingPolicy,
  scaffolderModuleVotingGuard,
} from './module';

/**
 * Both modules: the policy without the guard would let any team create environments for any
 * other, since the scaffolder shows the policy no template parameters.
 *
 * @public
 */
export default createBackendFeatureLoader({
  loader: () => [permissionModuleVotingPolicy, scaffolderModuleVotingGuard],
});
export { permissionModuleVotingPolicy, scaffolderModuleVotingGuard };
