/**
 * Test data of the voting plugins, shared so that every test speaks of the same poll and the same
 * environment.
 *
 * @packageDocumentation
 */
import type { EnvironmentSpec, VotingEnvironment } from '../environments';
import type { PollResults } from '../types';

/**
 * The tallies of the default poll as a result service serves them at `GET /api/results`: 3
 * votes, 2 for Cats and 1 for Dogs. A fresh copy each call, so a test may change it.
 *
 * @public
 */
export function pollResultsFixture(): PollResults {
  return {
    poll: 'default',
    question: 'Cats or dogs?',
    total: 3,
    options: [
      { id: 'a', label: 'Cats', votes: 2, percent: 66.7 },
      { id: 'b', label: 'Dogs', votes: 1, percent: 33.3 },
    ],
  };
}

/**
 * An environment as the create template's steps describe it to `voting:environment:register`
 * (no Grafana address). A fresh copy each call, so a test may change it.
 *
 * @public
 */
export function environmentSpecFixture(): EnvironmentSpec {
  return {
    owner: 'group:default/team-a',
    clusterId: 'bd5f5959-5e1e-4205-a714-a914373942af',
    databaseId: '9cc10173-e9ea-4176-9dbc-a4cee4c4ff30',
    vpcId: '5a4981aa-9653-4bd1-bef5-d6bff52042e4',
    domain: 'demo.example.com',
    voteUrl: 'https://vote.demo.example.com',
    resultUrl: 'https://result.demo.example.com',
    region: 'nyc1',
  };
}

/**
 * The same environment, named `demo`, as the voting backend records it (with a Grafana address).
 *
 * @public
 */
export function votingEnvironmentFixture(): VotingEnvironment {
  return {
    name: 'demo',
    ...environmentSpecFixture(),
    grafanaUrl: 'https://grafana.demo.example.com',
    region: 'nyc1',
    createdAt: '2026-11-30T22:00:00.000Z',
    updatedAt: '2026-11-30T22:00:00.000Z',
  };
}

// the fixtures' types, for tests that import only this entry point
export {
  environmentSpecSchema,
  type EnvironmentSpec,
  type VotingEnvironment,
} from '../environments';
export type { PollResults } from '../types';
