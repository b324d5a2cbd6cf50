import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import { Counter, type Registry } from 'prom-client';
import {
  isVoterId,
  newVoterId,
  parseVoteRequest,
  type OptionId,
  type SubmitOutcome,
} from '@voting-platform/core';
import {
  QueueUnavailableError,
  StoreIncompleteError,
  type VoteProducer,
} from '@voting-platform/core/queue';
import {
  addSecurityHeaders,
  registerOpsRoutes,
  registerQueueStoreMetrics,
  serverOptions,
  type Logger,
  type ServiceServer,
} from '@voting-platform/core/service';
import type { VoteConfig } from './config.js';
import { renderVotePage, type PageNotice } from './page.js';

const VOTER_COOKIE = 'voter';
/** A vote is a few bytes; anything much larger is not a vote. */
const BODY_LIMIT_BYTES = 1024;
const NOTICES = new Set<PageNotice>([
  'accepted',
  'already-voted',
  'unavailable',
  'invalid',
]);

export interface VoteAppDeps {
  config: VoteConfig;
  producer: VoteProducer;
  logger: Logger;
  registry: Registry;
}

export async function buildVoteApp({
  config,
  producer,
  logger,
  registry,
}: VoteAppDeps): Promise<ServiceServer> {
  const app = Fastify({
    ...serverOptions(logger),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
  });

  const accepted = new Counter({
    name: 'votes_accepted_total',
    help: 'First votes accepted and queued',
    labelNames: ['option'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'votes_rejected_total',
    help: 'Votes refused, by reason: already-voted, invalid, unavailable, store-incomplete',
    labelNames: ['reason'],
    registers: [registry],
  });

  addSecurityHeaders(app, {
    contentSecurityPolicy: {
      directives: { 'form-action': ["'self'"], 'script-src': ["'none'"] },
    },
  });
  await app.register(fastifyCookie, { secret: config.cookieSecret });
  await app.register(fastifyFormbody, { bodyLimit: BODY_LIMIT_BYTES });
  await app.register(fastifyCsrf, {
    cookieKey: 'csrf',
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/' },
  });

  /** The voter id from the signed cookie; a missing, tampered or malformed one gets a new id. */
  function voterOf(
    request: FastifyRequest,
    reply: FastifyReply,
  ): { voterId: string; isNew: boolean } {
    const raw = request.cookies[VOTER_COOKIE];
    if (raw) {
      const { valid, value } = request.unsignCookie(raw);
      if (valid && isVoterId(value)) return { voterId: value, isNew: false };
    }
    const voterId = newVoterId();
    reply.setCookie(VOTER_COOKIE, voterId, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
      path: '/',
      maxAge: 400 * 24 * 3600,
    });
    return { voterId, isNew: true };
  }

  async function submit(
    voterId: string,
    option: OptionId,
  ): Promise<SubmitOutcome> {
    const outcome = await producer.submit({
      pollId: config.poll.id,
      voterId,
      option,
      castAt: Date.now(),
    });
    if (outcome.status === 'accepted') accepted.inc({ option });
    else rejected.inc({ reason: 'already-voted' });
    return outcome;
  }

  app.setErrorHandler(
    (error: Error & { statusCode?: number; code?: string }, request, reply) => {
      // Only a POST is a vote; a GET that cannot be answered is no refused vote.
      const isVote = request.method === 'POST';
      if (error instanceof StoreIncompleteError) {
        // Not logged per request: a rebuild refuses every vote for a while; the metric counts them.
        if (isVote) rejected.inc({ reason: 'store-incomplete' });
        return reply.code(503).header('retry-after', '2').send({
          status: 'unavailable',
          error: 'votes are being restored; try again shortly',
        });
      }
      if (error instanceof QueueUnavailableError) {
        if (isVote) rejected.inc({ reason: 'unavailable' });
        request.log.warn({ err: error }, 'queue unavailable');
        return reply.code(503).header('retry-after', '2').send({
          status: 'unavailable',
          error: 'the vote queue is unavailable; try again shortly',
        });
      }
      const statusCode =
        error.statusCode && error.statusCode >= 400 && error.statusCode < 500
          ? error.statusCode
          : 500;
      if (statusCode === 500)
        request.log.error({ err: error }, 'request failed');
      else rejected.inc({ reason: 'invalid' });
      return reply.code(statusCode).send({
        status: 'error',
        error: statusCode === 500 ? 'internal error' : error.message,
      });
    },
  );

  app.get('/', async (request, reply) => {
    const { voterId, isNew } = voterOf(request, reply);
    const notice = NOTICES.has(
      (request.query as { outcome?: PageNotice }).outcome,
    )
      ? (request.query as { outcome: PageNotice }).outcome
      : undefined;
    let choice: OptionId | null = null;
    let shown = notice;
    if (!isNew) {
      // A store that cannot say whether this voter voted must not say "not yet".
      choice = await producer.firstChoice(config.poll.id, voterId).catch(() => {
        shown = 'unavailable';
        return null;
      });
    }
    const page = renderVotePage({
      poll: config.poll,
      csrfToken: reply.generateCsrf(),
      choice,
      notice: shown,
      resultUrl: config.resultUrl,
    });
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(page);
  });

  // The form post of the page: CSRF-checked (after body parsing, where the token is), then
  // Post/Redirect/Get back to the page.
  app.post(
    '/vote',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const { voterId } = voterOf(request, reply);
      const parsed = parseVoteRequest(request.body);
      if (!parsed.ok) {
        rejected.inc({ reason: 'invalid' });
        return reply.code(303).redirect('/?outcome=invalid');
      }
      try {
        const outcome = await submit(voterId, parsed.option);
        return reply.code(303).redirect(`/?outcome=${outcome.status}`);
      } catch (error) {
        if (!(error instanceof QueueUnavailableError)) throw error;
        rejected.inc({
          reason:
            error instanceof StoreIncompleteError
              ? 'store-incomplete'
              : 'unavailable',
        });
        return reply.code(303).redirect('/?outcome=unavailable');
      }
    },
  );

  // The JSON API. It takes only application/json, which a cross-site form cannot send
  // without a CORS preflight that this server never grants: that is its CSRF protection.
  app.post('/api/vote', async (request, reply) => {
    if (
      !request.headers['content-type']
        ?.toLowerCase()
        .startsWith('application/json')
    ) {
      rejected.inc({ reason: 'invalid' });
      return reply.code(415).send({
        status: 'error',
        error: 'the body must be JSON with content-type application/json',
      });
    }
    const parsed = parseVoteRequest(request.body);
    if (!parsed.ok) {
      rejected.inc({ reason: 'invalid' });
      return reply.code(400).send({ status: 'error', error: parsed.error });
    }
    const { voterId } = voterOf(request, reply);
    const outcome = await submit(voterId, parsed.option);
    return reply.code(outcome.status === 'accepted' ? 202 : 409).send(outcome);
  });

  app.get('/api/vote', async (request, reply) => {
    const { voterId, isNew } = voterOf(request, reply);
    const choice = isNew
      ? null
      : await producer.firstChoice(config.poll.id, voterId);
    return { poll: config.poll.id, voted: choice !== null, option: choice };
  });

  registerOpsRoutes(app, registry, {
    queue: () => producer.ping(),
    store: () => producer.checkStore(),
  });
  registerQueueStoreMetrics(registry, () => producer.checkStore());
  return app;
}
