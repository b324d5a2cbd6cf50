import { openProducer } from '@voting-platform/core/queue';
import {
  ConfigError,
  createLogger,
  createMetricsRegistry,
  onShutdown,
} from '@voting-platform/core/service';
import { loadConfig } from './config.js';
import { buildVoteApp } from './app.js';

async function main() {
  const config = loadConfig();
  const logger = createLogger('vote', config.logLevel);
  const producer = await openProducer(config.queue);
  const app = await buildVoteApp({
    config,
    producer,
    logger,
    registry: createMetricsRegistry('vote'),
  });
  await app.listen({ host: config.host, port: config.port });
  logger.info(
    { port: config.port, queue: config.queue.backend, poll: config.poll.id },
    'vote app listening',
  );
  onShutdown(logger, config.shutdownTimeoutMs, [
    ['http', () => app.close()],
    ['queue', () => producer.close()],
  ]);
}

main().catch(error => {
  console.error(
    error instanceof ConfigError ? `vote: ${error.message}` : error,
  );
  process.exit(1);
});
