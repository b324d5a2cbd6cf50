import type { OptionId, SubmitOutcome, Vote } from '../poll.js';

/** The queue could not be reached or did not answer; the vote was not taken. */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

/**
 * The queue store answers but has lost its voters' records (or never had them): it carries no
 * marker of the generation PostgreSQL last rebuilt it to. Nothing is taken or reported until a
 * worker has rebuilt the records from PostgreSQL.
 */
export class StoreIncompleteError extends QueueUnavailableError {
  override name = 'StoreIncompleteError';
  constructor(detail: string) {
    super(
      `the queue store holds no complete voters' records (${detail}); a worker is rebuilding them from PostgreSQL`,
    );
  }
}

/** A vote with the store generation it was accepted under (0: an entry from before generations). */
export type QueuedVote = Vote & { generation: number };

/** A voter's first choice, as the store keeps it. */
export interface VoterRecord {
  pollId: string;
  voterId: string;
  option: OptionId;
}

/** What happened to a vote put back into the store after its generation was fenced off. */
export type RequeueOutcome = 'requeued' | 'superseded';

/** The vote API's side of the queue. */
export interface VoteProducer {
  /**
   * Records the voter's first vote and enqueues it in one atomic step. A later vote by the same
   * voter in the same poll is refused with the first choice. Throws QueueUnavailableError.
   */
  submit(vote: Vote): Promise<SubmitOutcome>;
  /** The option this voter chose in this poll, or null if none yet. Throws QueueUnavailableError. */
  firstChoice(pollId: string, voterId: string): Promise<OptionId | null>;
  /** Resolves if the store holds complete voters' records; throws StoreIncompleteError if not. */
  checkStore(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Votes taken off the queue together; they stay pending until acknowledged. */
export interface VoteBatch {
  votes: QueuedVote[];
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
  /** The generation the store's marker names, or null if it has none (lost, or never built). */
  storeGeneration(): Promise<number | null>;
  /** Rebuild, step 1: makes the store ready to take records of this generation (NATS: a new stream). */
  beginRebuild(generation: number): Promise<void>;
  /** Rebuild, step 2: writes voters' first choices (not queue entries: they are counted already). */
  restoreVoters(records: VoterRecord[]): Promise<void>;
  /** Rebuild, step 3: writes the marker; votes are taken again from here on. */
  markComplete(generation: number): Promise<void>;
  /**
   * Puts votes accepted under an older generation back into the store, if it is complete at
   * this generation: a voter without a record gets this vote (queued again); a voter whose
   * record holds the same option gets it queued again (a duplicate at worst); a voter who has
   * since chosen otherwise keeps that choice ('superseded'). Throws StoreIncompleteError if
   * the store is not at this generation yet.
   */
  requeue(votes: QueuedVote[], generation: number): Promise<RequeueOutcome[]>;
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
  /** NATS only: replicas of the stream a worker creates when it (re)builds the store. */
  streamReplicas?: number;
}

/** How a vote is written into a queue entry; the wire format of both backends. */
export function encodeVote(
  vote: Vote,
): Record<'poll' | 'voter' | 'option' | 'at', string> {
  return {
    poll: vote.pollId,
    voter: vote.voterId,
    option: vote.option,
    at: String(vote.castAt),
  };
}

/** How long a worker trusts its last look at the store's marker; also its re-check period. */
export const STORE_CHECK_MS = 500;
