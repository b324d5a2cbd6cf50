import { getCompoundEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import { VOTE_URL_ANNOTATION } from '@voting-platform/plugin-voting-common';
import { getEntityResults } from '../api';
import { SandboxNote } from './SandboxNote';
import { usePolling } from './usePolling';

/**
 * Props of {@link EntityVotingResultsCard}.
 *
 * @public
 */
export interface VotingResultsCardProps {
  /** How often to refresh the tallies, in milliseconds; 0 turns refreshing off. */
  refreshIntervalMs?: number;
}

/**
 * The live tallies of the entity's result service (its `voting-platform.io/result-url`
 * annotation), refreshed every few seconds; in sandbox mode those of the local stack, and it
 * says so.
 */
export function VotingResultsCard(props: VotingResultsCardProps) {
  const { refreshIntervalMs = 5000 } = props;
  const { entity } = useEntity();
  const discoveryApi = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);
  const ref = getCompoundEntityRef(entity);
  const state = usePolling(
    () => getEntityResults({ discoveryApi, fetchApi }, ref),
    [discoveryApi, fetchApi, ref.kind, ref.namespace, ref.name],
    refreshIntervalMs,
  );

  if (state.error && !state.value) {
    return <ResponseErrorPanel title="Live votes" error={state.error} />;
  }
  if (!state.value) {
    return (
      <InfoCard title="Live votes">
        <Progress />
      </InfoCard>
    );
  }
  const { results, resultUrl, servedBy } = state.value;
  // in sandbox mode the environment's own vote app does not answer; the local one does
  const voteUrl =
    servedBy?.voteUrl ?? entity.metadata.annotations?.[VOTE_URL_ANNOTATION];
  return (
    <InfoCard
      title="Live votes"
      subheader={results.question}
      deepLink={{ title: 'Open the result app', link: resultUrl }}
    >
      {servedBy ? <SandboxNote /> : null}
      {results.options.map(option => (
        <Box key={option.id} mb={2} data-testid={`voting-option-${option.id}`}>
          <Box display="flex" justifyContent="space-between">
            <Typography variant="body1">{option.label}</Typography>
            <Typography variant="body2">
              {option.votes} ({option.percent}%)
            </Typography>
          </Box>
          <LinearProgress
            variant="determinate"
            value={option.percent}
            aria-label={`${option.label}: ${option.percent}%`}
          />
        </Box>
      ))}
      <Typography variant="body2" color="textSecondary">
        {results.total} {results.total === 1 ? 'vote' : 'votes'} in poll{' '}
        {results.poll}
        {voteUrl ? (
          <>
            {' · '}
            <Link to={voteUrl}>Vote</Link>
          </>
        ) : null}
      </Typography>
    </InfoCard>
  );
}
