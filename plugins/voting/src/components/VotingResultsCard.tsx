import { getCompoundEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import {
  ENVIRONMENT_ANNOTATION,
  RESULT_URL_ANNOTATION,
  VOTE_URL_ANNOTATION,
  type LocalStackSource,
  type PollResults,
} from '@voting-platform/plugin-voting-common';
import { getEntityResults } from '../api';
import { votingStatusApiRef } from '../statusApi';
import { SandboxNote } from './SandboxNote';
import { useEnvironmentWatch } from './useEnvironmentWatch';
import { usePolling } from './usePolling';

/**
 * Props of {@link EntityVotingResultsCard}.
 *
 * @public
 */
export interface VotingResultsCardProps {
  /**
   * How often to ask again, in milliseconds; 0 turns it off. For an environment the tallies are
   * pushed and this only covers a dropped signals connection (default 60 s); other entities have
   * no push and are asked every 5 s by default.
   */
  refreshIntervalMs?: number;
}

/** What the card shows, whichever way it was read. */
type LiveVotes = {
  results?: PollResults;
  /** Why the result service could not be read (the tallies are then unknown). */
  unreachable?: string;
  resultUrl?: string;
  voteUrl?: string;
  servedBy?: LocalStackSource;
};

/**
 * The live tallies of the entity's result service: for an environment (its
 * `voting-platform.io/environment` annotation) the votes section of its status, fetched again
 * whenever the backend signals new tallies; for another entity with a
 * `voting-platform.io/result-url` annotation, read every few seconds. In sandbox mode those of
 * the local stack, and it says so.
 */
export function VotingResultsCard(props: VotingResultsCardProps) {
  const { entity } = useEntity();
  const environment = entity.metadata.annotations?.[ENVIRONMENT_ANNOTATION];
  return environment ? (
    <EnvironmentVotes
      name={environment}
      refreshIntervalMs={props.refreshIntervalMs ?? 60_000}
    />
  ) : (
    <EntityVotes refreshIntervalMs={props.refreshIntervalMs ?? 5000} />
  );
}

const VOTES_SECTION = ['votes'] as const;

function EnvironmentVotes(props: { name: string; refreshIntervalMs: number }) {
  const { name } = props;
  const { entity } = useEntity();
  const api = useApi(votingStatusApiRef);
  const { pushes } = useEnvironmentWatch(name, VOTES_SECTION);
  const state = usePolling(
    async (): Promise<LiveVotes> => {
      // the votes alone: every viewer asks at once on each signal
      const { votes } = await api.getSections(name, VOTES_SECTION);
      if (!votes) throw new Error('the backend answered without the votes');
      const { servedBy, ...results } = votes.detail ?? {};
      return {
        results: votes.detail ? (results as PollResults) : undefined,
        unreachable: votes.detail
          ? undefined
          : votes.error ?? 'the result service did not answer',
        ...links(entity.metadata.annotations, servedBy),
        servedBy,
      };
    },
    [api, name, pushes],
    props.refreshIntervalMs,
  );
  return <LiveVotesCard error={state.error} value={state.value} />;
}

function EntityVotes(props: { refreshIntervalMs: number }) {
  const { entity } = useEntity();
  const discoveryApi = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);
  const ref = getCompoundEntityRef(entity);
  const state = usePolling(
    async (): Promise<LiveVotes> => {
      try {
        const { results, resultUrl, servedBy } = await getEntityResults(
          { discoveryApi, fetchApi },
          ref,
        );
        return {
          results,
          ...links(entity.metadata.annotations, servedBy),
          resultUrl,
          servedBy,
        };
      } catch (error) {
        // 503: the backend reached no result service; the card says so and keeps its links
        if (error instanceof ResponseError && error.statusCode === 503) {
          return {
            unreachable: error.body.error.message,
            ...links(entity.metadata.annotations, undefined),
          };
        }
        throw error;
      }
    },
    [discoveryApi, fetchApi, ref.kind, ref.namespace, ref.name],
    props.refreshIntervalMs,
  );
  return <LiveVotesCard error={state.error} value={state.value} />;
}

/** The apps' addresses: in sandbox mode the local ones, which are the ones that answer. */
function links(
  annotations: Record<string, string> | undefined,
  servedBy: LocalStackSource | undefined,
): Pick<LiveVotes, 'resultUrl' | 'voteUrl'> {
  return {
    resultUrl: servedBy?.resultUrl ?? annotations?.[RESULT_URL_ANNOTATION],
    voteUrl: servedBy?.voteUrl ?? annotations?.[VOTE_URL_ANNOTATION],
  };
}

function LiveVotesCard(props: { error?: Error; value?: LiveVotes }) {
  const { error, value } = props;
  if (error && !value) {
    return <ResponseErrorPanel title="Live votes" error={error} />;
  }
  if (!value) {
    return (
      <InfoCard title="Live votes">
        <Progress />
      </InfoCard>
    );
  }
  const { results, unreachable, resultUrl, voteUrl, servedBy } = value;
  return (
    <InfoCard
      title="Live votes"
      subheader={results?.question}
      deepLink={
        resultUrl
          ? { title: 'Open the result app', link: resultUrl }
          : undefined
      }
    >
      {servedBy ? <SandboxNote /> : null}
      {unreachable ? (
        <WarningPanel
          severity="error"
          title="The result service cannot be reached"
          message={`${unreachable}. The tallies show again as soon as it answers.`}
        />
      ) : null}
      {results?.options.map(option => (
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
        {results ? total(results) : null}
        {results && voteUrl ? ' · ' : null}
        {voteUrl ? <Link to={voteUrl}>Vote</Link> : null}
      </Typography>
    </InfoCard>
  );
}

function total(results: PollResults): string {
  if (results.total === 0) return `No votes yet in poll ${results.poll}`;
  return `${results.total} ${results.total === 1 ? 'vote' : 'votes'} in poll ${
    results.poll
  }`;
}
