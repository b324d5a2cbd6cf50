/** The two choices of a poll. Ids are fixed so that stored votes never depend on labels. */
export const OPTION_IDS = ['a', 'b'] as const;
export type OptionId = (typeof OPTION_IDS)[number];

export interface PollOption {
  id: OptionId;
  label: string;
}

export interface Poll {
  id: string;
  question: string;
  options: readonly [PollOption, PollOption];
}

/** One client's vote as it travels through the queue into the store. */
export interface Vote {
  pollId: string;
  voterId: string;
  option: OptionId;
  /** When the vote API accepted it, in epoch milliseconds. */
  castAt: number;
}

/** Poll ids become Redis keys and NATS subject tokens, so they are kept to a safe alphabet. */
export const POLL_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** A voter id is 128 random bits written as 32 lowercase hex digits. */
export const VOTER_ID_PATTERN = /^[0-9a-f]{32}$/;

export function isOptionId(value: unknown): value is OptionId {
  return value === 'a' || value === 'b';
}

export function optionLabel(poll: Poll, option: OptionId): string {
  return poll.options.find(o => o.id === option)!.label;
}

export type VoteRequest =
  | { ok: true; option: OptionId }
  | { ok: false; error: string };

/** Reads the body of a vote request (JSON or form) and says exactly what is wrong with it. */
export function parseVoteRequest(body: unknown): VoteRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return {
      ok: false,
      error: 'the body must be an object like {"option":"a"}',
    };
  }
  const { option } = body as Record<string, unknown>;
  if (option === undefined) {
    return {
      ok: false,
      error: 'the field "option" is required and must be "a" or "b"',
    };
  }
  if (!isOptionId(option)) {
    return {
      ok: false,
      error: `unknown option ${JSON.stringify(option)}: it must be "a" or "b"`,
    };
  }
  return { ok: true, option };
}

/**
 * What happened to a submitted vote. The queue decides atomically; the first vote of a
 * voter is the one that counts, and a later one is answered with that first choice.
 */
export type SubmitOutcome =
  | { status: 'accepted'; option: OptionId }
  | { status: 'already-voted'; option: OptionId };
