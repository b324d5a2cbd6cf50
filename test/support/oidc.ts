/**
 * A local OpenID provider (oidc-provider) for a portal signing people in through OpenID Connect:
 * one client, `portal`, whose redirect is the portal's callback, and the accounts `account` knows.
 * It answers on "localhost" while the portal answers on 127.0.0.1: browsers keep cookies per
 * host, so neither overwrites the other's. Any password signs an account in.
 */
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import { freePort } from './ports.js';

export const OIDC_CLIENT_ID = 'portal';

export interface OidcProvider {
  /** The provider's discovery document, for the portal's `metadataUrl`. */
  metadataUrl: string;
  clientSecret: string;
  stop(): void;
}

export async function startOidcProvider(options: {
  /** The portal's base URL, 127.0.0.1. */
  portalUrl: string;
  /** The e-mail address of the account `sub`, undefined for no such account. */
  email: (sub: string) => string | undefined;
}): Promise<OidcProvider> {
  const clientSecret = randomBytes(24).toString('hex');
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT_ID,
        client_secret: clientSecret,
        redirect_uris: [`${options.portalUrl}/api/auth/oidc/handler/frame`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // the portal's OpenID Connect provider does not send a PKCE challenge
    pkce: { required: () => false },
    async findAccount(_ctx, sub) {
      const email = options.email(sub);
      if (!email) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, email, email_verified: true, name: sub }),
      };
    },
  });
  const server = provider.listen(port);
  return {
    metadataUrl: `${issuer}/.well-known/openid-configuration`,
    clientSecret,
    stop: () => server.close(),
  };
}
