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
