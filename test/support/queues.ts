import { createClient } from 'redis';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';

/** The JetStream stream that holds a stack's subjects now: its name carries the store's generation. */
function currentStream(jsm: JetStreamManager, stream: string): Promise<string> {
  return jsm.streams.find(`${stream}.x.y`);
}

/** How many entries a test stack's queue holds, read straight from the queue server. */
export async function queuedEntries(
  backend: 'redis' | 'nats',
  url: string,
  stream: string,
): Promise<number> {
  if (backend === 'redis') {
    const redis = await createClient({ url }).connect();
    try {
      return await redis.xLen(`${stream}:stream`);
    } finally {
      redis.destroy();
    }
  }
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(await currentStream(jsm, stream))).state
      .messages;
  } finally {
    await nc.close();
  }
}

/** Votes accepted but not yet acknowledged by a worker, read straight from the queue server. */
export async function queueLag(
  backend: 'redis' | 'nats',
  url: string,
  stream: string,
): Promise<number> {
  if (backend === 'redis') return queuedEntries(backend, url, stream); // acknowledged entries are deleted
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.consumers.info(
      await currentStream(jsm, stream),
      'workers',
    );
    return info.num_pending + info.num_ack_pending;
  } finally {
    await nc.close();
  }
}
