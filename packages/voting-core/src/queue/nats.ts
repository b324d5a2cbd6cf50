import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import {
  isOptionId,
  type OptionId,
  type SubmitOutcome,
  type Vote,
} from '../poll.js';
import { sleep } from '@voting-platform/timing';
import { decodeVote } from './decode.js';
import {
  encodeVote,
  QueueUnavailableError,
  STORE_CHECK_MS,
  StoreIncompleteError,
  type QueuedVote,
  type RequeueOutcome,
  type VoteBatch,
  type VoteConsumer,
  type VoteProducer,
  type VoterRecord,
} from './types.js';

const MAX_MESSAGES_PER_SUBJECT_EXCEEDED = 10077;
const DURABLE_CONSUMER = 'workers';
const nanos = (ms: number) => ms * 1_000_000;

/**
 * One subject per voter and poll, and a stream that keeps at most one message per subject and
 * refuses the next: JetStream itself makes "first vote wins" atomic, and keeps the first choice.
 */
const subjectFor = (stream: string, pollId: string, voterId: string) =>
  `${stream}.${pollId}.${voterId}`;
/** Poll ids never start with '_', so the marker's subject is no voter's. */
const markerSubject = (stream: string) => `${stream}._complete`;

/**
 * The stream's name carries its generation: a worker creates `<stream>-g<n>` when it rebuilds
 * the voters' records from PostgreSQL, and the vote app publishes with the expectation that
 * this very stream takes the message. A stream that was deleted, or re-created empty by anyone,
 * has another name (or none), so JetStream itself refuses the vote: one round trip, as before.
 */
const generationName = (stream: string, generation: number) =>
  `${stream}-g${generation}`;

function generationOf(stream: string, name: string): number | null {
  const match = name.startsWith(`${stream}-g`)
    ? /^\d+$/.exec(name.slice(stream.length + 2))
    : null;
  return match ? Number(match[0]) : null;
}

/** A stream whose marker says its voters' records are complete. */
interface CompleteStream {
  name: string;
  generation: number;
  /** The marker's sequence: votes come after it, voters' records before it. */
  markerSeq: number;
}

async function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: url,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    timeout: 2_000,
    // a service (re)started while the server restarts waits for it, as it does after a
    // disconnect, instead of exiting with "connection refused"
    waitOnFirstConnect: true,
  });
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === 10059 || error.code === 10037 || error.status === 404)
  );
}

/**
 * The stream that holds the subjects now, if its marker names its generation; null if there is
 * no stream, or one without a marker (being rebuilt, emptied, or made by older code).
 */
async function findComplete(
  jsm: JetStreamManager,
  stream: string,
): Promise<CompleteStream | null> {
  let name: string;
  try {
    name = await jsm.streams.find(subjectFor(stream, 'x', 'y'));
  } catch (error) {
    if (
      isNotFound(error) ||
      /no stream matches/i.test(String((error as Error).message))
    )
      return null;
    throw error;
  }
  const generation = generationOf(stream, name);
  if (generation === null) return null;
  let marker;
  try {
    marker = await jsm.streams.getMessage(name, {
      last_by_subj: markerSubject(stream),
    });
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  if (
    !marker ||
    marker.json<{ generation?: unknown }>().generation !== generation
  )
    return null;
  return { name, generation, markerSeq: marker.seq };
}

function streamConfig(stream: string, generation: number, replicas: number) {
  return {
    name: generationName(stream, generation),
    subjects: [`${stream}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: 1,
    discard: DiscardPolicy.New,
    discard_new_per_subject: true,
    duplicate_window: nanos(120_000),
    num_replicas: replicas,
  };
}

export class NatsVoteProducer implements VoteProducer {
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;
  /** The complete stream votes go to, until JetStream says it is gone. */
  private current?: Promise<CompleteStream>;

  constructor(private readonly url: string, private readonly stream: string) {}

  async connect(): Promise<void> {
    this.nc = await connectNats(this.url, 'vote');
    this.jsm = await jetstreamManager(this.nc);
    this.js = jetstream(this.nc, { timeout: 2_000 });
  }

  /** The complete stream, looked up once and shared by concurrent requests. */
  private target(): Promise<CompleteStream> {
    this.current ??= (async () => {
      let found: CompleteStream | null;
      try {
        found = await findComplete(this.manager(), this.stream);
      } catch (error) {
        throw new QueueUnavailableError(`nats: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (!found)
        throw new StoreIncompleteError('nats: no stream with a marker');
      return found;
    })();
    this.current.catch(() => (this.current = undefined));
    return this.current;
  }

  async submit(vote: Vote): Promise<SubmitOutcome> {
    const subject = subjectFor(this.stream, vote.pollId, vote.voterId);
    // A second attempt only after the stream moved on (a rebuild): the first was refused whole.
    for (let attempt = 0; ; attempt++) {
      const target = await this.target();
      try {
        const ack = await this.client().publish(
          subject,
          JSON.stringify(encodeVote(vote)),
          {
            msgID: `${vote.pollId}.${vote.voterId}`,
            expect: { streamName: target.name },
            timeout: 2_000,
          },
        );
        // A retried publish inside the duplicate window is not a new vote.
        if (!ack.duplicate) return { status: 'accepted', option: vote.option };
        break;
      } catch (error) {
        if (
          error instanceof JetStreamApiError &&
          error.code === MAX_MESSAGES_PER_SUBJECT_EXCEEDED
        )
          break;
        this.forget();
        if (attempt === 0 && !/timeout/i.test(String((error as Error).message)))
          continue;
        throw new QueueUnavailableError(`nats: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    const option = await this.firstChoice(vote.pollId, vote.voterId);
    if (!option)
      throw new QueueUnavailableError(
        'nats: the stream refused the vote but holds no earlier one',
      );
    return { status: 'already-voted', option };
  }

  async firstChoice(pollId: string, voterId: string): Promise<OptionId | null> {
    for (let attempt = 0; ; attempt++) {
      const target = await this.target();
      try {
        const stored = await this.manager().streams.getMessage(target.name, {
          last_by_subj: subjectFor(this.stream, pollId, voterId),
        });
        const option = stored?.json<{ option?: unknown }>().option;
        return isOptionId(option) ? option : null;
      } catch (error) {
        if (error instanceof JetStreamApiError && error.code === 10037)
          return null; // no message
        this.forget();
        if (attempt === 0) continue;
        throw new QueueUnavailableError(`nats: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  }

  async checkStore(): Promise<void> {
    // Looked up afresh (readiness must notice a stream deleted while nobody voted), without
    // dropping the stream votes use unless it is gone: a probe costs no vote a lookup.
    let found: CompleteStream | null;
    try {
      found = await findComplete(this.manager(), this.stream);
    } catch (error) {
      throw new QueueUnavailableError(`nats: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (!found) {
      this.forget();
      throw new StoreIncompleteError('nats: no stream with a marker');
    }
  }

  /** JetStream refused the stream we used: look it up again (a concurrent request may too; harmless). */
  private forget(): void {
    this.current = undefined;
  }

  async ping(): Promise<void> {
    if (!this.nc || this.nc.isClosed()) throw new Error('not connected');
    await this.nc.flush();
  }

  async close(): Promise<void> {
    await this.nc?.drain().catch(() => this.nc?.close());
  }

  private client(): JetStreamClient {
    if (!this.js) throw new QueueUnavailableError('nats: not connected');
    return this.js;
  }

  private manager(): JetStreamManager {
    if (!this.jsm) throw new QueueUnavailableError('nats: not connected');
    return this.jsm;
  }
}

type NatsBatch = VoteBatch & { messages: JsMsg[] };

export class NatsVoteConsumer implements VoteConsumer {
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;
  private messages?: ConsumerMessages;
  /** The stream being consumed, and when the worker last looked for a newer one. */
  private following?: CompleteStream;
  private nextLookAt = 0;
  /** The stream a rebuild is filling. */
  private rebuilding?: string;
  /** Messages pulled ahead by the client, waiting to be handed out as a batch. */
  private readonly buffer: JsMsg[] = [];
  private wakeUp?: () => void;

  constructor(
    private readonly url: string,
    private readonly stream: string,
    private readonly claimIdleMs: number,
    private readonly prefetch: number,
    private readonly replicas: number,
  ) {}

  async connect(): Promise<void> {
    this.nc = await connectNats(this.url, 'worker');
    this.jsm = await jetstreamManager(this.nc);
    this.js = jetstream(this.nc);
  }

  /**
   * Consumes the complete stream, switching when a rebuild replaced it. Messages already pulled
   * from the old one stay in the buffer: the worker commits them only if PostgreSQL's
   * generation still matches, and puts them back into the new stream otherwise.
   */
  private async follow(): Promise<void> {
    if (Date.now() < this.nextLookAt) return;
    this.nextLookAt = Date.now() + STORE_CHECK_MS;
    const found = await findComplete(this.jsm!, this.stream);
    if (!found || found.name === this.following?.name) return;
    await this.messages?.close().catch(() => {});
    this.messages = undefined;
    const consumerConfig = {
      durable_name: DURABLE_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      // The voters' records before the marker are counted already; votes come after it.
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: found.markerSeq + 1,
      // An unacknowledged message is delivered again, to any worker, after this long.
      ack_wait: nanos(this.claimIdleMs),
      max_ack_pending: Math.max(1_000, this.prefetch * 4),
    };
    try {
      await this.jsm!.consumers.info(found.name, DURABLE_CONSUMER);
      await this.jsm!.consumers.update(found.name, DURABLE_CONSUMER, {
        ack_wait: consumerConfig.ack_wait,
        max_ack_pending: consumerConfig.max_ack_pending,
      });
    } catch {
      await this.jsm!.consumers.add(found.name, consumerConfig).catch(
        async error => {
          // Another worker may have created it in between.
          await this.jsm!.consumers.info(found.name, DURABLE_CONSUMER).catch(
            () => Promise.reject(error),
          );
        },
      );
    }
    const consumer = await this.js!.consumers.get(found.name, DURABLE_CONSUMER);
    this.messages = await consumer.consume({
      max_messages: this.prefetch,
      callback: message => {
        this.buffer.push(message);
        this.wakeUp?.();
      },
    });
    this.following = found;
  }

  async next(max: number, waitMs: number): Promise<NatsBatch> {
    await this.follow();
    if (this.buffer.length === 0) {
      const controller = new AbortController();
      this.wakeUp = () => controller.abort();
      // a message that arrives ends the wait early; the store's marker is checked between waits
      await sleep(Math.min(waitMs, STORE_CHECK_MS), controller.signal, {
        onAbort: 'resolve',
      });
      this.wakeUp = undefined;
    }
    const messages = this.buffer.splice(0, max);
    const votes: QueuedVote[] = [];
    for (const message of messages) {
      const vote = decodeVote(parseJson(message.data));
      // Older code's stream (no generation in its name) counts as generation 0, never current.
      if (vote)
        votes.push({
          ...vote,
          generation: generationOf(this.stream, message.info.stream) ?? 0,
        });
    }
    return { votes, invalid: messages.length - votes.length, messages };
  }

  async ack(batch: VoteBatch): Promise<void> {
    for (const message of (batch as NatsBatch).messages) message.ack();
    await this.nc?.flush();
  }

  async release(batch: VoteBatch): Promise<void> {
    for (const message of (batch as NatsBatch).messages) message.nak();
    await this.nc?.flush();
  }

  async lag(): Promise<number> {
    if (!this.following) return 0;
    const info = await this.jsm!.consumers.info(
      this.following.name,
      DURABLE_CONSUMER,
    );
    return info.num_pending + info.num_ack_pending;
  }

  async storeGeneration(): Promise<number | null> {
    return (await findComplete(this.jsm!, this.stream))?.generation ?? null;
  }

  /** Replaces whatever stream holds the subjects (its votes are lost already) with an empty one. */
  async beginRebuild(generation: number): Promise<void> {
    const jsm = this.jsm!;
    for (;;) {
      let name: string;
      try {
        name = await jsm.streams.find(subjectFor(this.stream, 'x', 'y'));
      } catch {
        break;
      }
      await jsm.streams.delete(name).catch(() => {});
    }
    await jsm.streams.add(streamConfig(this.stream, generation, this.replicas));
    this.rebuilding = generationName(this.stream, generation);
  }

  async restoreVoters(records: VoterRecord[]): Promise<void> {
    const js = this.js!;
    const name = this.rebuilding!;
    await Promise.all(
      records.map(r =>
        js
          .publish(
            subjectFor(this.stream, r.pollId, r.voterId),
            JSON.stringify({
              poll: r.pollId,
              voter: r.voterId,
              option: r.option,
            }),
            {
              expect: { streamName: name },
              timeout: 10_000,
            },
          )
          .catch(error => {
            // A voter already restored (a re-sent record) is fine; anything else stops the rebuild.
            if (
              !(
                error instanceof JetStreamApiError &&
                error.code === MAX_MESSAGES_PER_SUBJECT_EXCEEDED
              )
            )
              throw error;
          }),
      ),
    );
  }

  async markComplete(generation: number): Promise<void> {
    await this.js!.publish(
      markerSubject(this.stream),
      JSON.stringify({ generation }),
      {
        expect: { streamName: generationName(this.stream, generation) },
      },
    );
    this.nextLookAt = 0;
  }

  async requeue(
    votes: QueuedVote[],
    generation: number,
  ): Promise<RequeueOutcome[]> {
    const found = await findComplete(this.jsm!, this.stream);
    if (found?.generation !== generation)
      throw new StoreIncompleteError(
        `nats: the stream is not at generation ${generation}`,
      );
    const js = this.js!;
    return Promise.all(
      votes.map(async (vote): Promise<RequeueOutcome> => {
        const subject = subjectFor(this.stream, vote.pollId, vote.voterId);
        try {
          await js.publish(subject, JSON.stringify(encodeVote(vote)), {
            expect: { streamName: found.name },
            timeout: 10_000,
          });
          return 'requeued';
        } catch (error) {
          if (
            !(
              error instanceof JetStreamApiError &&
              error.code === MAX_MESSAGES_PER_SUBJECT_EXCEEDED
            )
          )
            throw error;
        }
        // The voter has a record here: a restored one (counted already) or a vote taken since.
        const stored = await this.jsm!.streams.getMessage(found.name, {
          last_by_subj: subject,
        });
        const option = stored?.json<{ option?: unknown }>().option;
        return option === vote.option ? 'requeued' : 'superseded';
      }),
    );
  }

  async ping(): Promise<void> {
    if (!this.nc || this.nc.isClosed()) throw new Error('not connected');
    await this.nc.flush();
  }

  async close(): Promise<void> {
    // Messages pulled but never handed out go back at once rather than after the ack wait.
    for (const message of this.buffer.splice(0)) message.nak();
    await this.messages?.close().catch(() => {});
    await this.nc?.drain().catch(() => this.nc?.close());
  }
}

function parseJson(data: Uint8Array): Record<string, unknown> {
  try {
    const value = JSON.parse(new TextDecoder().decode(data));
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}
