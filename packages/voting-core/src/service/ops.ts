import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  LogController,
  type FastifyInstance,
  type RawServerDefault,
} from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { StoreIncompleteError } from '../queue/types.js';
import type { Logger } from './logger.js';

/** A Fastify server that logs with the service's pino logger. */
export type ServiceServer = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  Logger
>;

/**
 * Options every service's Fastify server starts with: the service's logger, no per-request
 * log lines (they would cost more than the requests at thousands per second; /metrics counts
 * them), and 503 for requests that arrive while shutting down.
 */
export function serverOptions(logger: Logger) {
  return {
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  };
}

export type ReadinessCheck = () => Promise<unknown>;

export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Adds /healthz (the process answers), /readyz (every dependency answers within a second)
 * and /metrics (Prometheus text format) to a server.
 */
export function registerOpsRoutes(
  app: ServiceServer,
  registry: Registry,
  checks: Record<string, ReadinessCheck>,
) {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 1_000);
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, `unavailable: ${(error as Error).message}`] as const;
        }
      }),
    );
    const ready = entries.every(([, state]) => state === 'ok');
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not-ready',
      checks: Object.fromEntries(entries),
    });
  });

  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}

type StoreState = 'complete' | 'incomplete' | 'down';

/**
 * `queue_store_up` (the queue store answers) and `queue_store_complete` (it holds complete
 * voters' records: 0 while it has lost its data and a worker rebuilds it from PostgreSQL).
 * One probe per scrape serves both.
 */
export function registerQueueStoreMetrics(
  registry: Registry,
  probe: () => Promise<void>,
): void {
  let pending: Promise<StoreState> | undefined;
  const state = () =>
    (pending ??= withTimeout(probe(), 1_000)
      .then(
        (): StoreState => 'complete',
        (error): StoreState =>
          error instanceof StoreIncompleteError ? 'incomplete' : 'down',
      )
      .finally(() => setImmediate(() => (pending = undefined))));
  const completeness: Record<StoreState, number> = {
    complete: 1,
    incomplete: 0,
    down: Number.NaN,
  };
  registry.registerMetric(
    new Gauge({
      name: 'queue_store_up',
      help: 'The queue store (Redis or NATS JetStream) answers',
      registers: [],
      async collect() {
        this.set((await state()) === 'down' ? 0 : 1);
      },
    }),
  );
  registry.registerMetric(
    new Gauge({
      name: 'queue_store_complete',
      help: "The queue store holds complete voters' records (0: it lost its data; votes are refused until a worker rebuilds them from PostgreSQL)",
      registers: [],
      async collect() {
        this.set(completeness[await state()]);
      },
    }),
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${ms} ms`)),
        ms,
      );
    }),
  ]);
}

/**
 * Runs the steps in order on the first SIGTERM or SIGINT, then exits 0; exits 1 if they take
 * longer than the timeout. A second signal while shutting down exits at once.
 */
export function onShutdown(
  logger: Logger,
  timeoutMs: number,
  steps: Array<[string, () => Promise<unknown>]>,
) {
  let stopping = false;
  const handler = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown, exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        logger.error({ err: error, step: name }, 'shutdown step failed');
      }
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
