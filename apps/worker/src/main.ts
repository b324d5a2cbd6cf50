import Fastify from 'fastify';
import { createPool, migrate } from '@voting-platform/core/db';
import { openConsumer } from '@voting-platform/core/queue';
import {
  ConfigError,
  createLogger,
  createMetricsRegistry,
  onShutdown,
  registerOpsRoutes,
  registerQueueStoreMetrics,
  serverOptions,
} from '@voting-platform/core/service';
import { loadConfig } from './config.js';
import { VoteWorker } from './worker.js';
import { StoreKeeper } from './store-keeper.js';

async function main() {
  const config = loadConfig();
  const logger = createLogger('worker', config.logLevel);
  // migrations hold node-pg-migrate's advisory lock for the run: a session of their own
  if (process.argv.includes('migrate')) {
    await migrate(config.postgresSessionUrl, logger);
    return;
  }
  if (config.migrateOnStart) await migrate(config.postgresSessionUrl, logger);

  const registry = createMetricsRegistry('worker');
  const pool = createPool(config.postgresUrl, logger);
  // a rebuild holds an advisory lock across its transaction and after it: a session too
  const sessionPool = createPool(config.postgresSessionUrl, logger, 2);
  const consumer = await openConsumer(config.queue, config.batchSize * 2);
  const keeper = new StoreKeeper({
    consumer,
    pool: sessionPool,
    stream: config.queue.stream,
    logger,
    registry,
  });
  const worker = new VoteWorker({
    consumer,
    pool,
    logger,
    registry,
    batchSize: config.batchSize,
    pollMs: config.pollMs,
    stream: config.queue.stream,
    keeper,
  });
  registerQueueStoreMetrics(registry, () => keeper.check());
  worker.start();

  const ops = Fastify(serverOptions(logger));
  registerOpsRoutes(ops, registry, {
    queue: () => consumer.ping(),
    store: () => keeper.check(),
    postgres: () => pool.query('SELECT 1'),
  });
  await ops.listen({ host: config.host, port: config.port });
  logger.info(
    { port: config.port, queue: config.queue.backend },
    'worker running',
  );

  onShutdown(logger, config.shutdownTimeoutMs, [
    ['worker', () => worker.stop()],
    ['queue', () => consumer.close()],
    ['postgres', () => pool.end()],
    ['postgres sessions', () => sessionPool.end()],
    ['http', () => ops.close()],
  ]);
}

main().catch(error => {
  console.error(
    error instanceof ConfigError ? `worker: ${error.message}` : error,
  );
  process.exit(1);
});
