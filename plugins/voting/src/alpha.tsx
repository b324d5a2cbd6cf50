import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
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
 * The scaffolder form field `VotingConfirmName`: the teardown template's confirmation, which must
 * repeat the environment's name.
 *
 * @alpha
 */
export const votingConfirmNameFormField = FormFieldBlueprint.make({
  name: 'confirm-name',
  params: {
    field: () =>
      import('./scaffolder/ConfirmNameField').then(m => m.confirmNameField),
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
  extensions: [votingResultsEntityCard, votingConfirmNameFormField],
});
