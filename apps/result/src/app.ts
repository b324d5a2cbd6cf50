import Fastify from 'fastify';
import { Server as SocketServer } from 'socket.io';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  addSecurityHeaders,
  registerOpsRoutes,
  serverOptions,
  type Logger,
  type ServiceServer,
} from '@voting-platform/core/service';
import type { LiveTallies } from './tallies.js';
import { renderResultPage, RESULT_CSS, RESULT_JS } from './page.js';

export interface ResultAppDeps {
  tallies: LiveTallies;
  logger: Logger;
  registry: Registry;
  ready: () => Promise<unknown>;
}

/** The results API and page, and the socket.io server that pushes every change. */
export async function buildResultApp({
  tallies,
  logger,
  registry,
  ready,
}: ResultAppDeps): Promise<{ app: ServiceServer; io: SocketServer }> {
  const app = Fastify(serverOptions(logger));
  addSecurityHeaders(app, {
    contentSecurityPolicy: {
      directives: {
        'connect-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
      },
    },
  });

  app.get('/api/results', async () => tallies.results());
  app.get('/', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(renderResultPage(await tallies.results())),
  );
  app.get('/static/result.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(RESULT_JS),
  );
  app.get('/static/result.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').send(RESULT_CSS),
  );
  registerOpsRoutes(app, registry, { postgres: ready });

  const io = new SocketServer(app.server, {
    serveClient: true,
    cors: { origin: false },
  });
  const pushes = new Counter({
    name: 'result_pushes_total',
    help: 'Result updates broadcast to clients',
    registers: [registry],
  });
  registry.registerMetric(
    new Gauge({
      name: 'result_connected_clients',
      help: 'socket.io clients connected',
      registers: [],
      collect() {
        this.set(io.engine.clientsCount);
      },
    }),
  );

  // A client that connects (or reconnects) gets the current state at once.
  io.on('connection', socket => {
    tallies.results().then(
      results => socket.emit('results', results),
      error =>
        logger.warn({ err: error }, 'cannot send results to a new client'),
    );
  });
  tallies.on('change', results => {
    pushes.inc();
    io.emit('results', results);
  });

  app.addHook('onClose', async () => {
    io.close();
  });
  return { app, io };
}
