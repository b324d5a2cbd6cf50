import { Redis } from 'ioredis';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

/** How many entries a test stack's queue holds, read straight from the queue server. */
export async function queuedEntries(backend: 'redis' | 'nats', url: string, stream: string): Promise<number> {
  if (backend === 'redis') {
    const redis = new Redis(url);
    try {
      return await redis.xlen(`${stream}:stream`);
    } finally {
      redis.disconnect();
    }
  }
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(stream)).state.messages;
  } finally {
    await nc.close();
  }
}
