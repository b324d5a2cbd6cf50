import {
  createComponentExtension,
  createPlugin,
} from '@backstage/core-plugin-api';
import type { JSX } from 'react';
import type { VotingResultsCardProps } from './components/VotingResultsCard';

/**
 * The voting plugin for apps on the legacy frontend system.
 *
 * @public
 */
export const votingPlugin = createPlugin({ id: 'voting' });

/**
 * Entity card with the live tallies of the entity's result service. Put it on the overview of
 * entities that have the `voting-platform.io/result-url` annotation.
 *
 * @public
 */
export const EntityVotingResultsCard: (
  props: VotingResultsCardProps,
) => JSX.Element = votingPlugin.provide(
  createComponentExtension({
    name: 'EntityVotingResultsCard',
    component: {
      lazy: () =>
        import('./components/VotingResultsCard').then(m => m.VotingResultsCard),
    },
  }),
);
