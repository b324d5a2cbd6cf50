import type { HttpAuthService } from '@backstage/backend-plugin-api';
import type { CloudflareZoneOptions } from '@voting-platform/plugin-voting-common';
import express from 'express';
import Router from 'express-promise-router';
import type { ProviderOptionsService } from './ProviderOptions';

export interface OptionsRouterOptions {
  httpAuth: HttpAuthService;
  options: ProviderOptionsService;
}

/**
 * What the create template's form offers: `GET /options/kubernetes` (regions, versions, node
 * sizes with prices), `GET /options/databases` (PostgreSQL sizes per node count) and
 * `GET /options/zones` (active Cloudflare zones). Signed-in users and services only; 503 with
 * the provider's words when it cannot be asked.
 */
export async function createOptionsRouter(
  routerOptions: OptionsRouterOptions,
): Promise<express.Router> {
  const { httpAuth, options } = routerOptions;
  const router = Router();

  const signedIn = (req: express.Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });

  router.get('/options/kubernetes', async (req, res) => {
    await signedIn(req);
    res.json(await options.kubernetes());
  });

  router.get('/options/databases', async (req, res) => {
    await signedIn(req);
    res.json(await options.databases());
  });

  router.get('/options/zones', async (req, res) => {
    await signedIn(req);
    const body: CloudflareZoneOptions = { zones: await options.zones() };
    res.json(body);
  });

  return router;
}
