import { isOptionId, POLL_ID_PATTERN, type Vote } from '../poll.js';
import { isVoterId } from '../voter-id.js';

/** Reads a queue entry back into a vote; anything malformed gives null and is dropped. */
export function decodeVote(fields: Record<string, unknown>): Vote | null {
  const { poll, voter, option, at } = fields;
  const castAt = Number(at);
  if (typeof poll !== 'string' || !POLL_ID_PATTERN.test(poll)) return null;
  if (!isVoterId(voter) || !isOptionId(option)) return null;
  if (!Number.isSafeInteger(castAt) || castAt <= 0) return null;
  return { pollId: poll, voterId: voter, option, castAt };
}
