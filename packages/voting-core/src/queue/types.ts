import type { OptionId, SubmitOutcome, Vote } from '../poll.js';

/** The queue could not be reached or did not answer; the vote was not taken. */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

/** The vote API's side of the queue. */
export interface VoteProducer {
  /**
   * Records the voter's first vote and enqueues it in one atomic step. A later vote by the same
   * voter in the same poll is refused with the first choice. Throws QueueUnavailableError.
   */
  submit(vote: Vote): Promise<SubmitOutcome>;
  /** The option this voter chose in this poll, or null if none yet. */
  firstChoice(pollId: string, voterId: string): Promise<OptionId | null>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Votes taken off the queue together; they stay pending until acknowledged. */
export interface VoteBatch {
  votes: Vote[];
  /** Entries that are not valid votes; acknowledging the batch drops them. */
  invalid: number;
}

/** The worker's side of the queue: at-least-once delivery with explicit acknowledgement. */
export interface VoteConsumer {
  /**
   * Waits at most waitMs for entries and returns up to max of them (possibly none). Entries
   * that another consumer took and left unacknowledged for the idle time are reclaimed here.
   */
  next(max: number, waitMs: number): Promise<VoteBatch>;
  /** Marks a batch done; call only after its votes are committed. */
  ack(batch: VoteBatch): Promise<void>;
  /** Gives a batch back unprocessed so that it is delivered again. */
  release(batch: VoteBatch): Promise<void>;
  /** Entries accepted but not yet acknowledged. */
  lag(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface QueueSettings {
  backend: 'redis' | 'nats';
  redisUrl: string;
  natsUrl: string;
  /** Stream name; also prefixes every key, so two deployments can share one server. */
  stream: string;
  /** A delivered entry not acknowledged for this long is given to another consumer. */
  claimIdleMs: number;
}

/** How a vote is written into a queue entry; the wire format of both backends. */
export function encodeVote(vote: Vote): Record<'poll' | 'voter' | 'option' | 'at', string> {
  return { poll: vote.pollId, voter: vote.voterId, option: vote.option, at: String(vote.castAt) };
}
