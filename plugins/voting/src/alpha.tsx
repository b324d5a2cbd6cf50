import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isVotingResultsAvailable } from './filter';

/**
 * Entity card with the live tallies, shown on entities with the
 * `voting-platform.io/result-url` annotation.
 *
 * @alpha
 */
export const votingResultsEntityCard = EntityCardBlueprint.make({
  name: 'results',
  params: {
    type: 'content',
    filter: isVotingResultsAvailable,
    loader: () =>
      import('./components/VotingResultsCard').then(m => (
        <m.VotingResultsCard />
      )),
  },
});

/**
 * The voting plugin for the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'voting',
  info: { packageJson: () => import('../package.json') },
  extensions: [votingResultsEntityCard],
});
