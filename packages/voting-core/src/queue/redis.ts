import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
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

type ScriptedRedis = Redis & {
  submitVote(
    voterKey: string,
    stream: string,
    marker: string,
    option: string,
    poll: string,
    voter: string,
    at: string,
  ): Promise<[number, string]>;
  requeueVotes(
    numberOfKeys: number,
    ...args: string[]
  ): Promise<number | number[]>;
};

function connect(url: string, options: RedisOptions): ScriptedRedis {
  const redis = new Redis(url, {
    lazyConnect: true,
    // Reconnect forever with a capped back-off; the services report not-ready meanwhile.
    retryStrategy: attempt => Math.min(100 * 2 ** Math.min(attempt, 6), 2_000),
    ...options,
  });
  redis.defineCommand('submitVote', { numberOfKeys: 3, lua: SUBMIT_SCRIPT });
  redis.defineCommand('requeueVotes', { lua: REQUEUE_SCRIPT });
  // Errors surface through the commands that fail; the connection reports them here too.
  redis.on('error', () => {});
  return redis as ScriptedRedis;
}

export class RedisVoteProducer implements VoteProducer {
  private readonly keys: RedisKeys;
  private readonly redis: ScriptedRedis;

  constructor(url: string, prefix: string) {
    this.keys = keysFor(prefix);
    this.redis = connect(url, {
      // A vote must fail fast when Redis is away, never wait in a client-side queue, and
      // never be re-sent blindly after a reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      enableAutoPipelining: true,
    });
  }

  async connect(): Promise<void> {
    await this.redis.connect().catch(() => {});
  }

  async submit(vote: Vote): Promise<SubmitOutcome> {
    let reply: [number, string];
    try {
      reply = await this.redis.submitVote(
        this.keys.voter(vote.pollId, vote.voterId),
        this.keys.stream,
        this.keys.marker,
        vote.option,
        vote.pollId,
        vote.voterId,
        String(vote.castAt),
      );
    } catch (error) {
      throw new QueueUnavailableError(`redis: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const [accepted, option] = reply;
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
      [marker, option] = await this.redis.mget(
        this.keys.marker,
        this.keys.voter(pollId, voterId),
      );
    } catch (error) {
      throw new QueueUnavailableError(`redis: ${(error as Error).message}`, {
        cause: error,
      });
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
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

type StreamEntry = [id: string, fields: string[]];
type RedisBatch = VoteBatch & { ids: string[] };

export class RedisVoteConsumer implements VoteConsumer {
  private readonly keys: RedisKeys;
  /** Blocking reads hold a connection; commands and acknowledgements use the other one. */
  private readonly reader: ScriptedRedis;
  private readonly redis: ScriptedRedis;
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
    this.reader = connect(url, { maxRetriesPerRequest: null });
    this.redis = connect(url, { maxRetriesPerRequest: 1 });
  }

  async connect(): Promise<void> {
    await Promise.all([
      this.reader.connect().catch(() => {}),
      this.redis.connect().catch(() => {}),
    ]);
  }

  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      await this.redis.xgroup(
        'CREATE',
        this.keys.stream,
        GROUP,
        '0',
        'MKSTREAM',
      );
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
      const reply = (await this.reader.xreadgroup(
        'GROUP',
        GROUP,
        this.name,
        'COUNT',
        max,
        'BLOCK',
        waitMs,
        'STREAMS',
        this.keys.stream,
        '>',
      )) as Array<[string, StreamEntry[]]> | null;
      return toBatch(reply?.[0]?.[1] ?? []);
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
    const [cursor, entries] = (await this.redis.xautoclaim(
      this.keys.stream,
      GROUP,
      this.name,
      this.claimIdleMs,
      '0-0',
      'COUNT',
      max,
    )) as [string, StreamEntry[], string[]];
    // Keep draining while there is more to take; otherwise look again after a while.
    if (cursor === '0-0' || entries.length === 0) {
      this.nextReclaimAt = now + Math.max(250, this.claimIdleMs / 2);
      await this.forgetIdleConsumers();
    }
    return entries.filter(([, fields]) => fields !== null);
  }

  /** Consumers of killed processes accumulate in the group; drop those that hold nothing. */
  private async forgetIdleConsumers(): Promise<void> {
    const consumers = (await this.redis.xinfo(
      'CONSUMERS',
      this.keys.stream,
      GROUP,
    )) as Array<Array<string | number>>;
    for (const info of consumers) {
      const fields = Object.fromEntries(pairs(info));
      if (
        fields.name !== this.name &&
        Number(fields.pending) === 0 &&
        Number(fields.idle) > this.claimIdleMs * 4
      ) {
        await this.redis.xgroup(
          'DELCONSUMER',
          this.keys.stream,
          GROUP,
          String(fields.name),
        );
      }
    }
  }

  async ack(batch: VoteBatch): Promise<void> {
    const { ids } = batch as RedisBatch;
    if (ids.length === 0) return;
    // Acknowledged entries are deleted too, so the stream holds only work not yet done.
    await this.redis
      .multi()
      .xack(this.keys.stream, GROUP, ...ids)
      .xdel(this.keys.stream, ...ids)
      .exec();
  }

  async release(): Promise<void> {
    // Redis has no negative acknowledgement: unacknowledged entries are reclaimed after claimIdleMs.
  }

  async lag(): Promise<number> {
    return this.redis.xlen(this.keys.stream);
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
    await this.redis.mset(
      ...records.flatMap(r => [this.keys.voter(r.pollId, r.voterId), r.option]),
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
    const reply = await this.redis.requeueVotes(
      2 + votes.length,
      this.keys.marker,
      this.keys.stream,
      ...votes.map(v => this.keys.voter(v.pollId, v.voterId)),
      String(generation),
      ...votes.flatMap(v => [v.pollId, v.voterId, v.option, String(v.castAt)]),
    );
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
    this.reader.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function toBatch(entries: StreamEntry[]): RedisBatch {
  const votes: QueuedVote[] = [];
  for (const [, fields] of entries) {
    const record = Object.fromEntries(pairs(fields));
    const vote = decodeVote(record);
    // Entries written before generations existed carry none: generation 0, never current.
    if (vote) votes.push({ ...vote, generation: Number(record.gen ?? 0) || 0 });
  }
  return {
    votes,
    invalid: entries.length - votes.length,
    ids: entries.map(([id]) => id),
  };
}

function pairs<T>(flat: T[]): Array<[T, T]> {
  const result: Array<[T, T]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    result.push([flat[i]!, flat[i + 1]!]);
  return result;
}
