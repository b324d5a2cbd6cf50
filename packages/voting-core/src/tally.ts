import type { PollResults } from '@voting-platform/plugin-voting-common/types';
import type { OptionId, Poll } from './poll.js';

/**
 * The published results are the contract between the result service and the portal, so the type
 * is declared once, by the plugins' common package (which the plugins import without any service
 * code); this package only computes them. Shares are percent with one decimal and add up to
 * exactly 100.
 */
export type { PollResults };

/**
 * Turns raw counts into the published results. With no votes every share is 0, never 50/50.
 * Shares are rounded by largest remainder so that they always add up to 100.0.
 */
export function buildResults(
  poll: Poll,
  counts: Partial<Record<OptionId, number>>,
): PollResults {
  const votes = poll.options.map(o => counts[o.id] ?? 0);
  const total = votes.reduce((sum, n) => sum + n, 0);
  const tenths =
    total === 0 ? votes.map(() => 0) : largestRemainder(votes, total, 1000);
  return {
    poll: poll.id,
    question: poll.question,
    total,
    options: poll.options.map((o, i) => ({
      id: o.id,
      label: o.label,
      votes: votes[i]!,
      percent: tenths[i]! / 10,
    })),
  };
}

function largestRemainder(
  parts: number[],
  total: number,
  scale: number,
): number[] {
  const exact = parts.map(p => (p * scale) / total);
  const floored = exact.map(Math.floor);
  let missing = scale - floored.reduce((sum, n) => sum + n, 0);
  const byRemainder = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((x, y) => y.remainder - x.remainder);
  for (const { index } of byRemainder) {
    if (missing <= 0) break;
    floored[index]! += 1;
    missing -= 1;
  }
  return floored;
}

export function sameResults(
  a: PollResults | undefined,
  b: PollResults,
): boolean {
  return (
    a !== undefined &&
    a.total === b.total &&
    a.options.every(
      (o, i) =>
        o.votes === b.options[i]?.votes && o.label === b.options[i]?.label,
    )
  );
}
