/**
 * Test data of the voting plugins, shared so that every test speaks of the same poll.
 *
 * @packageDocumentation
 */
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
