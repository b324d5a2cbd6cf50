import { NatsVoteConsumer, NatsVoteProducer } from './nats.js';
import { RedisVoteConsumer, RedisVoteProducer } from './redis.js';
import type { QueueSettings, VoteConsumer, VoteProducer } from './types.js';

export * from './types.js';
export { decodeVote } from './decode.js';

/** Opens the vote API's side of the configured queue. */
export async function openProducer(
  settings: QueueSettings,
): Promise<VoteProducer> {
  const producer =
    settings.backend === 'nats'
      ? new NatsVoteProducer(settings.natsUrl, settings.stream)
      : new RedisVoteProducer(settings.redisUrl, settings.stream);
  await producer.connect();
  return producer;
}

/** Opens the worker's side of the configured queue. */
export async function openConsumer(
  settings: QueueSettings,
  prefetch: number,
): Promise<VoteConsumer> {
  const consumer =
    settings.backend === 'nats'
      ? new NatsVoteConsumer(
          settings.natsUrl,
          settings.stream,
          settings.claimIdleMs,
          prefetch,
          settings.streamReplicas ?? 1,
        )
      : new RedisVoteConsumer(
          settings.redisUrl,
          settings.stream,
          settings.claimIdleMs,
        );
  await consumer.connect();
  return consumer;
}
