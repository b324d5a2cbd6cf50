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
import { isOptionId, type OptionId, type SubmitOutcome, type Vote } from '../poll.js';
import { sleep } from '@voting-platform/timing';
import { decodeVote } from './decode.js';
import { encodeVote, QueueUnavailableError, type VoteBatch, type VoteConsumer, type VoteProducer } from './types.js';

const MAX_MESSAGES_PER_SUBJECT_EXCEEDED = 10077;
const DURABLE_CONSUMER = 'workers';
const nanos = (ms: number) => ms * 1_000_000;

/**
 * One subject per voter and poll, and a stream that keeps at most one message per subject and
 * refuses the next: JetStream itself makes "first vote wins" atomic, and keeps the first choice.
 */
const subjectFor = (stream: string, pollId: string, voterId: string) => `${stream}.${pollId}.${voterId}`;

async function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 2_000 });
}

async function ensureStream(jsm: JetStreamManager, stream: string): Promise<void> {
  const config = {
    name: stream,
    subjects: [`${stream}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: 1,
    discard: DiscardPolicy.New,
    discard_new_per_subject: true,
    duplicate_window: nanos(120_000),
    num_replicas: 1,
  };
  try {
    await jsm.streams.info(stream);
  } catch {
    await jsm.streams.add(config).catch(async error => {
      // Another process may have created it in between.
      await jsm.streams.info(stream).catch(() => Promise.reject(error));
    });
  }
}

export class NatsVoteProducer implements VoteProducer {
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;

  constructor(
    private readonly url: string,
    private readonly stream: string,
  ) {}

  async connect(): Promise<void> {
    this.nc = await connectNats(this.url, 'vote');
    this.jsm = await jetstreamManager(this.nc);
    await ensureStream(this.jsm, this.stream);
    this.js = jetstream(this.nc, { timeout: 2_000 });
  }

  async submit(vote: Vote): Promise<SubmitOutcome> {
    const subject = subjectFor(this.stream, vote.pollId, vote.voterId);
    try {
      const ack = await this.client().publish(subject, JSON.stringify(encodeVote(vote)), {
        msgID: `${vote.pollId}.${vote.voterId}`,
        timeout: 2_000,
      });
      // A retried publish inside the duplicate window is not a new vote.
      if (!ack.duplicate) return { status: 'accepted', option: vote.option };
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === MAX_MESSAGES_PER_SUBJECT_EXCEEDED)) {
        throw new QueueUnavailableError(`nats: ${(error as Error).message}`, { cause: error });
      }
    }
    const option = await this.firstChoice(vote.pollId, vote.voterId);
    if (!option) throw new QueueUnavailableError('nats: the stream refused the vote but holds no earlier one');
    return { status: 'already-voted', option };
  }

  async firstChoice(pollId: string, voterId: string): Promise<OptionId | null> {
    try {
      const stored = await this.manager().streams.getMessage(this.stream, {
        last_by_subj: subjectFor(this.stream, pollId, voterId),
      });
      const option = stored?.json<{ option?: unknown }>().option;
      return isOptionId(option) ? option : null;
    } catch (error) {
      throw new QueueUnavailableError(`nats: ${(error as Error).message}`, { cause: error });
    }
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
  private jsm?: JetStreamManager;
  private messages?: ConsumerMessages;
  /** Messages pulled ahead by the client, waiting to be handed out as a batch. */
  private readonly buffer: JsMsg[] = [];
  private wakeUp?: () => void;

  constructor(
    private readonly url: string,
    private readonly stream: string,
    private readonly claimIdleMs: number,
    private readonly prefetch: number,
  ) {}

  async connect(): Promise<void> {
    this.nc = await connectNats(this.url, 'worker');
    this.jsm = await jetstreamManager(this.nc);
    await ensureStream(this.jsm, this.stream);
    const consumerConfig = {
      durable_name: DURABLE_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      // An unacknowledged message is delivered again, to any worker, after this long.
      ack_wait: nanos(this.claimIdleMs),
      max_ack_pending: Math.max(1_000, this.prefetch * 4),
    };
    try {
      await this.jsm.consumers.info(this.stream, DURABLE_CONSUMER);
      await this.jsm.consumers.update(this.stream, DURABLE_CONSUMER, {
        ack_wait: consumerConfig.ack_wait,
        max_ack_pending: consumerConfig.max_ack_pending,
      });
    } catch {
      await this.jsm.consumers.add(this.stream, consumerConfig);
    }
    const consumer = await jetstream(this.nc).consumers.get(this.stream, DURABLE_CONSUMER);
    this.messages = await consumer.consume({
      max_messages: this.prefetch,
      callback: message => {
        this.buffer.push(message);
        this.wakeUp?.();
      },
    });
  }

  async next(max: number, waitMs: number): Promise<NatsBatch> {
    if (this.buffer.length === 0) {
      const controller = new AbortController();
      this.wakeUp = () => controller.abort();
      // a message that arrives ends the wait early
      await sleep(waitMs, controller.signal, { onAbort: 'resolve' });
      this.wakeUp = undefined;
    }
    const messages = this.buffer.splice(0, max);
    const votes: Vote[] = [];
    for (const message of messages) {
      const vote = decodeVote(parseJson(message.data));
      if (vote) votes.push(vote);
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
    const info = await this.jsm!.consumers.info(this.stream, DURABLE_CONSUMER);
    return info.num_pending + info.num_ack_pending;
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
