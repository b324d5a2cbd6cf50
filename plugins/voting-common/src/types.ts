/*
 * Types only, and importable on their own (`@voting-platform/plugin-voting-common/types`): the
 * result service's `@voting-platform/core` takes its results type from here without compiling
 * this package's code.
 */

/**
 * The tallies of one poll as the result service serves them at `GET /api/results` (its
 * `buildResults` in `@voting-platform/core` makes them with this type): `percent` is the share
 * with one decimal, and the shares add up to exactly 100.
 *
 * @public
 */
export interface PollResults {
  poll: string;
  question: string;
  total: number;
  options: Array<{ id: string; label: string; votes: number; percent: number }>;
}

/**
 * Who served an environment's tallies when it was not the environment's own result service:
 * in sandbox mode (`voting.sandbox`) the clusters run no containers, so the voting stack running
 * on the portal's machine answers for every environment.
 *
 * @public
 */
export interface LocalStackSource {
  kind: 'local-stack';
  /** The local vote app. */
  voteUrl: string;
  /** The local result app, which the tallies come from. */
  resultUrl: string;
}

/**
 * What `GET /api/voting/entities/:kind/:namespace/:name/results` answers.
 *
 * @public
 */
export interface EntityResults {
  entityRef: string;
  /** The result service the tallies were read from. */
  resultUrl: string;
  results: PollResults;
  /** Set when the tallies come from the local stack rather than the entity's own service. */
  servedBy?: LocalStackSource;
}
