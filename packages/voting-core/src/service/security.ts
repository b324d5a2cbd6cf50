import helmet, { type HelmetOptions } from 'helmet';
import type { ServiceServer } from './ops.js';

/**
 * Security headers on every response, from helmet. The middleware is built once here:
 * building it per request (as the Fastify wrapper does) cost a few percent of the vote API.
 */
export function addSecurityHeaders(
  app: ServiceServer,
  options: HelmetOptions,
): void {
  const applyHeaders = helmet(options);
  app.addHook('onRequest', (request, reply, done) => {
    applyHeaders(request.raw, reply.raw, error =>
      done(error instanceof Error ? error : undefined),
    );
  });
}
