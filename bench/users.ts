/**
 * Distinct signed-in users for the viewers benchmark: a local OpenID provider (`test/support/oidc.ts`, as
 * the portal's permission test uses) whose accounts are `viewer-<n>`, the backend's OpenID
 * Connect sign-in against it, and each viewer signed in through the same redirects a browser
 * follows (the portal's start URL, the provider's login and consent, the portal's callback, whose
 * page hands the app the user's token). The backend resolves each user from the catalog (a User per
 * viewer, a member of the owning team) and issues that user's token and user info, as it does
 * for anyone signing in.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { OIDC_CLIENT_ID, startOidcProvider } from '../test/support/oidc.js';

const EMAIL_DOMAIN = 'example.com';

/** Cookies by host, as a browser keeps them (path and expiry do not matter for one sign-in). */
class CookieJar {
  readonly #byHost = new Map<string, Map<string, string>>();

  header(url: URL): string {
    return [...(this.#byHost.get(url.host) ?? [])]
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
  }

  keep(url: URL, response: Response): void {
    const jar = this.#byHost.get(url.host) ?? new Map<string, string>();
    this.#byHost.set(url.host, jar);
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at).trim(), pair!.slice(at + 1).trim());
    }
  }
}

/** What the portal's callback page posts to the app (`window.opener.postMessage`). */
function postedResponse(page: string):
  | {
      response?: { backstageIdentity?: { token?: string } };
      error?: { message?: string };
    }
  | undefined {
  const posted = /decodeURIComponent\('([^']*)'\)/.exec(page)?.[1];
  return posted ? JSON.parse(decodeURIComponent(posted)) : undefined;
}

export interface SignIn {
  /** The backend config: OpenID Connect sign-in against the provider, the viewers' catalog. */
  config: object;
  /** Signs `viewer-<n>` in; resolves with the user's Backstage token. */
  signIn(n: number): Promise<string>;
  stop(): void;
}

/**
 * Starts the OpenID provider and writes the catalog of `count` viewers, members of `team`
 * (`group:default/<name>`), for the backend at `baseUrl`.
 */
export async function viewerSignIn(options: {
  dir: string;
  baseUrl: string;
  count: number;
  team: string;
}): Promise<SignIn> {
  const { dir, baseUrl, count, team } = options;
  const oidc = await startOidcProvider({
    portalUrl: baseUrl,
    email: sub =>
      /^viewer-\d+$/.test(sub) ? `${sub}@${EMAIL_DOMAIN}` : undefined,
  });

  const teamName = team.replace(/^group:default\//, '');
  const catalogFile = join(dir, 'viewers-catalog.yaml');
  const entity = (kind: string, name: string, spec: object) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name },
    spec,
  });
  writeFileSync(
    catalogFile,
    [
      entity('Group', teamName, { type: 'team', children: [] }),
      ...Array.from({ length: count }, (_, n) =>
        entity('User', `viewer-${n}`, {
          profile: { email: `viewer-${n}@${EMAIL_DOMAIN}` },
          memberOf: [teamName],
        }),
      ),
    ]
      .map(e => stringify(e))
      .join('---\n'),
  );

  async function signIn(n: number): Promise<string> {
    const jar = new CookieJar();
    /** One request as a browser makes it: its cookies sent, the answer's kept, no redirect followed. */
    const go = async (url: URL, init: RequestInit = {}) => {
      const response = await fetch(url, {
        ...init,
        redirect: 'manual',
        headers: {
          ...(init.headers as Record<string, string>),
          cookie: jar.header(url),
        },
      });
      jar.keep(url, response);
      return response;
    };
    let url = new URL(
      `${baseUrl}/api/auth/oidc/start?env=development&scope=openid%20profile%20email`,
    );
    // redirects until the provider asks something (login, then consent) or the portal's
    // callback answers; each question answered as the provider's form would post it
    for (let step = 0; step < 20; step++) {
      const response = await go(url);
      const location = response.headers.get('location');
      if (location) {
        url = new URL(location, url);
        continue;
      }
      const interaction = /^\/interaction\/([^/]+)$/.exec(url.pathname);
      if (response.ok && interaction && url.host !== new URL(baseUrl).host) {
        const prompt = /name="prompt" value="(\w+)"/.exec(
          await response.text(),
        )?.[1];
        const answer = await go(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(
            prompt === 'login'
              ? { prompt, login: `viewer-${n}`, password: 'anything' }
              : { prompt: prompt ?? 'consent' },
          ).toString(),
        });
        url = new URL(answer.headers.get('location')!, url);
        continue;
      }
      if (!response.ok) {
        throw new Error(
          `signing viewer-${n} in: ${url.pathname} answered ${response.status}`,
        );
      }
      // the portal's callback page posts the sign-in's outcome to the app, as it does to the
      // sign-in popup's opener: the user's token, or what went wrong
      const outcome = postedResponse(await response.text());
      const token = outcome?.response?.backstageIdentity?.token;
      if (!token) {
        throw new Error(
          `signing viewer-${n} in: ${
            outcome?.error?.message ?? 'the callback posted no token'
          }`,
        );
      }
      return token;
    }
    throw new Error(`signing viewer-${n} in: too many redirects`);
  }

  return {
    config: {
      auth: {
        session: { secret: randomBytes(24).toString('hex') },
        providers: {
          oidc: {
            development: {
              metadataUrl: oidc.metadataUrl,
              clientId: OIDC_CLIENT_ID,
              clientSecret: oidc.clientSecret,
              prompt: 'auto',
              signIn: {
                resolvers: [
                  { resolver: 'emailMatchingUserEntityProfileEmail' },
                ],
              },
            },
          },
        },
      },
      catalog: { locations: [{ type: 'file', target: catalogFile }] },
    },
    signIn,
    stop: () => oidc.stop(),
  };
}
