import { createPool, migrate } from '@voting-platform/core/db';
import {
  ConfigError,
  createLogger,
  createMetricsRegistry,
  onShutdown,
} from '@voting-platform/core/service';
import { loadConfig } from './config.js';
import { buildResultApp } from './app.js';
import { LiveTallies } from './tallies.js';

async function main() {
  const config = loadConfig();
  const logger = createLogger('result', config.logLevel);
  const pool = createPool(config.postgresUrl, logger);
  // The result app reads tables the worker creates; make sure they exist before it starts
  // (under the migrations' advisory lock: a session of their own).
  await migrate(config.postgresSessionUrl, logger);
  const tallies = new LiveTallies(
    config.poll,
    pool,
    // LISTEN needs a session: a transaction-mode pool would drop it
    config.postgresSessionUrl,
    config.pushIntervalMs,
    logger,
  );
  await tallies.start();
  const { app } = await buildResultApp({
    tallies,
    logger,
    registry: createMetricsRegistry('result'),
    ready: async () => {
      if (!tallies.listening) throw new Error('not listening for changes');
      await pool.query('SELECT 1');
    },
  });
  await app.listen({ host: config.host, port: config.port });
  logger.info(
    { port: config.port, poll: config.poll.id },
    'result app listening',
  );
  onShutdown(logger, config.shutdownTimeoutMs, [
    ['http', () => app.close()],
    ['tallies', () => tallies.close()],
    ['postgres', () => pool.end()],
  ]);
}

main().catch(error => {
  console.error(
    error instanceof ConfigError ? `result: ${error.message}` : error,
  );
  process.exit(1);
});
