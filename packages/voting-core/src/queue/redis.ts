import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createClient, defineScript, type CommandParser } from 'redis';
import type { OptionId, SubmitOutcome, Vote } from '../poll.js';
import { isOptionId } from '../poll.js';
import { decodeVote } from './decode.js';
import {
  QueueUnavailableError,
  StoreIncompleteError,
  type QueuedVote,
  type RequeueOutcome,
  type VoteBatch,
  type VoteConsumer,
  type VoteProducer,
  type VoterRecord,
} from './types.js';

/**
 * The first vote of a voter sets its key and is appended to the stream in one atomic step;
 * a later vote only reads the key back. Both only if the store carries its marker (the
 * generation a worker last rebuilt the voters' keys to from PostgreSQL): without it the keys
 * cannot be trusted, and the script answers -1. The entry carries the generation, so the worker
 * can tell a vote taken before a rebuild. One round trip, as before.
 * KEYS: voter key, stream, marker. ARGV: option, poll, voter, at.
 */
const SUBMIT_SCRIPT = `
local generation = redis.call('GET', KEYS[3])
if not generation then return {-1, ''} end
local first = redis.call('GET', KEYS[1])
if first then return {0, first} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('XADD', KEYS[2], '*', 'poll', ARGV[2], 'voter', ARGV[3], 'option', ARGV[1], 'at', ARGV[4], 'gen', generation)
return {1, ARGV[1]}
`;

/**
 * Puts back votes of an older generation, if the marker names ARGV[1]; else returns -1.
 * KEYS: marker, stream, then one voter key per vote. ARGV: generation, then poll, voter,
 * option, at per vote. Returns 1 (queued again) or 0 (the voter has since chosen otherwise).
 */
const REQUEUE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local outcomes = {}
for i = 3, #KEYS do
  local base = 2 + (i - 3) * 4
  local option = ARGV[base + 2]
  local first = redis.call('GET', KEYS[i])
  if first and first ~= option then
    outcomes[#outcomes + 1] = 0
  else
    if not first then redis.call('SET', KEYS[i], option) end
    redis.call('XADD', KEYS[2], '*', 'poll', ARGV[base], 'voter', ARGV[base + 1], 'option', option, 'at', ARGV[base + 3], 'gen', ARGV[1])
    outcomes[#outcomes + 1] = 1
  end
end
return outcomes
`;

const GROUP = 'workers';

interface RedisKeys {
  stream: string;
  /** Present only while the voters' keys are complete; holds their generation. */
  marker: string;
  voter(pollId: string, voterId: string): string;
}

function keysFor(prefix: string): RedisKeys {
  return {
    stream: `${prefix}:stream`,
    marker: `${prefix}:complete`,
    voter: (pollId, voterId) => `${prefix}:voter:${pollId}:${voterId}`,
  };
}

// node-redis sends EVALSHA and falls back to EVAL on NOSCRIPT (a restarted Redis has no
// script cache), so each script crosses the wire once per server start.
const scripts = {
  submitVote: defineScript({
    SCRIPT: SUBMIT_SCRIPT,
    NUMBER_OF_KEYS: 3,
    parseCommand(parser: CommandParser, keys: RedisKeys, vote: Vote) {
      parser.pushKeys([
        keys.voter(vote.pollId, vote.voterId),
        keys.stream,
        keys.marker,
      ]);
      parser.push(vote.option, vote.pollId, vote.voterId, String(vote.castAt));
    },
    transformReply: (reply: unknown) => {
      const [accepted, option] = reply as [number, string];
      return { accepted, option };
    },
  }),
  requeueVotes: defineScript({
    SCRIPT: REQUEUE_SCRIPT,
    parseCommand(
      parser: CommandParser,
      keys: RedisKeys,
      votes: QueuedVote[],
      generation: number,
    ) {
      parser.push(String(2 + votes.length));
      parser.pushKeys([
        keys.marker,
        keys.stream,
        ...votes.map(v => keys.voter(v.pollId, v.voterId)),
      ]);
      parser.push(String(generation));
      for (const v of votes)
        parser.push(v.pollId, v.voterId, v.option, String(v.castAt));
    },
    transformReply: (reply: unknown) => reply as number | number[],
  }),
};

/**
 * RESP2 on purpose: node-redis 5 shapes stream replies (XREADGROUP, XAUTOCLAIM, XINFO) only
 * for RESP2; under RESP3 it passes XREADGROUP's map through untransformed and flags XREAD as
 * unstable. Nothing here needs RESP3's extras (client-side caching, push messages).
 *
 * Without the offline queue a command fails at once while Redis is away, and every command not
 * yet answered is rejected when the connection drops: a vote is never held in a client-side
 * queue nor re-sent blindly after a reconnect. Commands issued in one turn of the event loop go
 * out in one write.
 */
function connect(url: string) {
  const client = createClient({
    url,
    RESP: 2,
    scripts,
    disableOfflineQueue: true,
    socket: {
      // Reconnect forever with a capped back-off; the services report not-ready meanwhile.
      reconnectStrategy: attempt =>
        Math.min(100 * 2 ** Math.min(attempt, 6), 2_000),
    },
  });
  // Errors surface through the commands that fail; the connection reports them here too.
  client.on('error', () => {});
  return client;
}

type Client = ReturnType<typeof connect>;

/**
 * Resolves once connected or after the first failed attempt, so a service starts (not ready)
 * while Redis is away; node-redis keeps trying in the background.
 */
function firstAttempt(client: Client): Promise<void> {
  return new Promise(resolve => {
    const failed = () => resolve();
    client.once('error', failed);
    client.connect().then(
      () => {
        client.off('error', failed);
        resolve();
      },
      () => resolve(),
    );
  });
}

/** Waits for commands in flight when connected; drops the connection (and its queue) if not. */
async function shut(client: Client): Promise<void> {
  if (!client.isOpen) return;
  if (client.isReady) await client.close();
  else client.destroy();
}

function unavailable(error: unknown): QueueUnavailableError {
  return new QueueUnavailableError(`redis: ${(error as Error).message}`, {
    cause: error,
  });
}

export class RedisVoteProducer implements VoteProducer {
  private readonly keys: RedisKeys;
  private readonly redis: Client;

  constructor(url: string, prefix: string) {
    this.keys = keysFor(prefix);
    this.redis = connect(url);
  }

  async connect(): Promise<void> {
    await firstAttempt(this.redis);
  }

  async submit(vote: Vote): Promise<SubmitOutcome> {
    let reply: { accepted: number; option: string };
    try {
      reply = await this.redis.submitVote(this.keys, vote);
    } catch (error) {
      throw unavailable(error);
    }
    const { accepted, option } = reply;
    if (accepted === -1) throw new StoreIncompleteError('redis: no marker');
    if (!isOptionId(option))
      throw new QueueUnavailableError(
        `redis: stored choice ${JSON.stringify(option)} is not an option`,
      );
    return { status: accepted === 1 ? 'accepted' : 'already-voted', option };
  }

  async firstChoice(pollId: string, voterId: string): Promise<OptionId | null> {
    let marker: string | null | undefined;
    let option: string | null | undefined;
    try {
      [marker, option] = await this.redis.mGet([
        this.keys.marker,
        this.keys.voter(pollId, voterId),
      ]);
    } catch (error) {
      throw unavailable(error);
    }
    if (marker === null || marker === undefined)
      throw new StoreIncompleteError('redis: no marker');
    return isOptionId(option) ? option : null;
  }

  async checkStore(): Promise<void> {
    if ((await this.redis.exists(this.keys.marker)) === 0)
      throw new StoreIncompleteError('redis: no marker');
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await shut(this.redis);
  }
}

type StreamEntry = { id: string; message: Record<string, string> };
type RedisBatch = VoteBatch & { ids: string[] };

export class RedisVoteConsumer implements VoteConsumer {
  private readonly keys: RedisKeys;
  /**
   * Blocking reads hold a connection of their own, so a waiting XREADGROUP never delays
   * acknowledgements and checks. While Redis is away, commands fail at once (the worker backs
   * off and retries) and the reader's next read waits for the reconnect.
   */
  private readonly redis: Client;
  private readonly reader: Client;
  private readonly name = `${hostname()}-${process.pid}-${randomBytes(
    3,
  ).toString('hex')}`;
  private nextReclaimAt = 0;
  private groupReady = false;

  constructor(
    url: string,
    prefix: string,
    private readonly claimIdleMs: number,
  ) {
    this.keys = keysFor(prefix);
    this.redis = connect(url);
    this.reader = this.redis.duplicate({ disableOfflineQueue: false });
    this.reader.on('error', () => {});
  }

  async connect(): Promise<void> {
    await Promise.all([firstAttempt(this.reader), firstAttempt(this.redis)]);
  }

  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      await this.redis.xGroupCreate(this.keys.stream, GROUP, '0', {
        MKSTREAM: true,
      });
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
    this.groupReady = true;
  }

  async next(max: number, waitMs: number): Promise<RedisBatch> {
    await this.ensureGroup();
    try {
      const reclaimed = await this.reclaimAbandoned(max);
      if (reclaimed.length > 0) return toBatch(reclaimed);
      const reply = await this.reader.xReadGroup(
        GROUP,
        this.name,
        { key: this.keys.stream, id: '>' },
        { COUNT: max, BLOCK: waitMs },
      );
      return toBatch(reply?.[0]?.messages ?? []);
    } catch (error) {
      // The group vanishes when Redis restarts without persistence; create it again next time.
      if (String((error as Error).message).includes('NOGROUP'))
        this.groupReady = false;
      throw error;
    }
  }

  /** Takes over entries that a dead or stuck consumer left unacknowledged for claimIdleMs. */
  private async reclaimAbandoned(max: number): Promise<StreamEntry[]> {
    const now = Date.now();
    if (now < this.nextReclaimAt) return [];
    const { nextId, messages } = await this.redis.xAutoClaim(
      this.keys.stream,
      GROUP,
      this.name,
      this.claimIdleMs,
      '0-0',
      { COUNT: max },
    );
    // Keep draining while there is more to take; otherwise look again after a while.
    if (nextId === '0-0' || messages.length === 0) {
      this.nextReclaimAt = now + Math.max(250, this.claimIdleMs / 2);
      await this.forgetIdleConsumers();
    }
    return messages.filter(entry => entry !== null);
  }

  /** Consumers of killed processes accumulate in the group; drop those that hold nothing. */
  private async forgetIdleConsumers(): Promise<void> {
    const consumers = await this.redis.xInfoConsumers(this.keys.stream, GROUP);
    for (const consumer of consumers) {
      if (
        consumer.name !== this.name &&
        consumer.pending === 0 &&
        consumer.idle > this.claimIdleMs * 4
      )
        await this.redis.xGroupDelConsumer(
          this.keys.stream,
          GROUP,
          consumer.name,
        );
    }
  }

  async ack(batch: VoteBatch): Promise<void> {
    const { ids } = batch as RedisBatch;
    if (ids.length === 0) return;
    // Acknowledged entries are deleted too, so the stream holds only work not yet done.
    await this.redis
      .multi()
      .xAck(this.keys.stream, GROUP, ids)
      .xDel(this.keys.stream, ids)
      .exec();
  }

  async release(): Promise<void> {
    // Redis has no negative acknowledgement: unacknowledged entries are reclaimed after claimIdleMs.
  }

  async lag(): Promise<number> {
    return this.redis.xLen(this.keys.stream);
  }

  async storeGeneration(): Promise<number | null> {
    const marker = await this.redis.get(this.keys.marker);
    return marker === null ? null : Number(marker);
  }

  async beginRebuild(): Promise<void> {
    // A marker of another generation (a store restored from an old backup) stops taking votes
    // first; keys are then overwritten with PostgreSQL's choices.
    await this.redis.del(this.keys.marker);
  }

  async restoreVoters(records: VoterRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.redis.mSet(
      records.map(r => [this.keys.voter(r.pollId, r.voterId), r.option]),
    );
  }

  async markComplete(generation: number): Promise<void> {
    await this.redis.set(this.keys.marker, String(generation));
  }

  async requeue(
    votes: QueuedVote[],
    generation: number,
  ): Promise<RequeueOutcome[]> {
    if (votes.length === 0) return [];
    const reply = await this.redis.requeueVotes(this.keys, votes, generation);
    if (!Array.isArray(reply))
      throw new StoreIncompleteError(
        `redis: marker is not at generation ${generation}`,
      );
    return reply.map(r => (r === 1 ? 'requeued' : 'superseded'));
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    // The reader may sit in a blocking read for up to its wait: drop it rather than wait.
    if (this.reader.isOpen) this.reader.destroy();
    await shut(this.redis);
  }
}

function toBatch(entries: StreamEntry[]): RedisBatch {
  const votes: QueuedVote[] = [];
  for (const { message } of entries) {
    const vote = decodeVote(message);
    // Entries written before generations existed carry none: generation 0, never current.
    if (vote)
      votes.push({ ...vote, generation: Number(message.gen ?? 0) || 0 });
  }
  return {
    votes,
    invalid: entries.length - votes.length,
    ids: entries.map(({ id }) => id),
  };
}
