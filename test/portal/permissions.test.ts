/**
 * Who may do what in the portal: the real backend in its production configuration
 * (app-config.production.yaml, NODE_ENV=production) signs users in with OpenID Connect against
 * a local OpenID provider (oidc-provider) in Chromium, and the voting permission policy decides
 * what they may create, tear down and read, against the DigitalOcean and Cloudflare emulators.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  ManualClock,
  startSandbox,
  type Sandbox,
} from '@voting-platform/cloud-sandbox';
import { ensureFrontendBuilt, root } from '../../scripts/lib/portal.js';
import {
  sandboxConfig,
  startPortalBackend,
  type PortalBackend,
} from '../support/backend.js';
import { launchChromium } from '../support/browser.js';
import {
  OIDC_CLIENT_ID,
  startOidcProvider,
  type OidcProvider,
} from '../support/oidc.js';
import { freePort, waitFor } from '../support/ports.js';
import { scaffolderTasks } from '../support/tasks.js';

const scriptToken = randomBytes(24).toString('hex');
const sessionSecret = randomBytes(24).toString('hex');

/** The identity provider's accounts, and the catalog's users and groups that match them. */
const people = {
  alice: { email: 'alice@example.com', group: 'team-a' },
  bob: { email: 'bob@example.com', group: 'team-b' },
  root: { email: 'root@example.com', group: 'platform-team' },
} as const;
type Person = keyof typeof people;

const entity = (kind: string, name: string, spec: object, extra = {}) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: { name, ...extra },
  spec,
});

let backend: PortalBackend;
let baseUrl: string;
let tmp: string;
let sandbox: Sandbox;
let oidc: OidcProvider;
const tokens = {} as Record<Person, string>;
const clock = new ManualClock();

const api = (path: string, init: RequestInit = {}, auth?: string) =>
  fetch(`${baseUrl}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(auth ? { authorization: `Bearer ${auth}` } : {}),
    },
  });

/** Every field of the create template's form (the scaffolder does not fill in defaults). */
const createValues = (name: string, owner: string) => ({
  name,
  owner,
  region: 'fra1',
  nodeSize: 's-2vcpu-4gb',
  nodeCount: 3,
  autoScaleMax: 5,
  highAvailability: true,
  databaseSize: 'db-s-1vcpu-2gb',
  databaseNodes: 2,
  domain: 'example.com',
  imageRepository: 'registry.example.com/acme',
  imageTag: 'latest',
  question: 'Cats or dogs?',
  optionA: 'Cats',
  optionB: 'Dogs',
  queue: 'redis',
});

const runTemplate = (
  who: Person,
  template: string,
  values: Record<string, unknown>,
) =>
  api(
    '/api/scaffolder/v2/tasks',
    {
      method: 'POST',
      body: JSON.stringify({
        templateRef: `template:default/${template}`,
        values,
      }),
    },
    tokens[who],
  );

/** Every request the emulators received since `mark`, writes only unless `all`. */
const cloudRequests = (mark: number, all = false) =>
  [...sandbox.digitalocean.requests, ...sandbox.cloudflare.requests]
    .slice(mark)
    .filter(r => all || r.method !== 'GET');
const requestCount = () =>
  sandbox.digitalocean.requests.length + sandbox.cloudflare.requests.length;

async function clusters(): Promise<
  Array<{ name: string; tags: string[]; status: { state: string } }>
> {
  const response = await fetch(
    `${sandbox.digitalocean.url}/kubernetes/clusters?per_page=200`,
    { headers: { authorization: `Bearer ${sandbox.digitalocean.token}` } },
  );
  return ((await response.json()) as { kubernetes_clusters: any[] })
    .kubernetes_clusters;
}

/** A 403 whose message says why. */
async function assertRefused(response: Response, why: RegExp) {
  assert.equal(response.status, 403);
  const body = (await response.json()) as { error: { message: string } };
  assert.match(body.error.message, why);
}

/** The task's status; throws with its log when it failed, so that a wait says why. */
async function assertTaskNotFailed(id: string, who: Person) {
  const tasks = scaffolderTasks((path, init) => api(path, init, tokens[who]));
  const status = await tasks.status(id);
  if (status !== 'failed') return status;
  const events = await tasks.events(id);
  throw new Error(
    `task ${id} failed: ${events.map(e => e.body.message).join('\n')}`,
  );
}

/** Audit events the backend logged (one JSON object a line in production). */
function auditEvents(eventId: string) {
  return backend
    .output()
    .split('\n')
    .filter(line => line.startsWith('{'))
    .map(line => JSON.parse(line) as Record<string, any>)
    .filter(e => e.isAuditEvent && e.eventId === eventId);
}

beforeAll(async () => {
  const build = ensureFrontendBuilt(message => console.log(`# ${message}`));
  tmp = mkdtempSync(join(tmpdir(), 'portal-permissions-'));
  sandbox = await startSandbox({
    clock,
    cloudflare: { zones: ['example.com'] },
  });
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;

  oidc = await startOidcProvider({
    portalUrl: baseUrl,
    email: sub => people[sub as Person]?.email,
  });

  // The product's templates, the people, and a template registered from elsewhere that calls
  // a DigitalOcean action.
  const foreign = {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: { name: 'borrowed-cleanup' },
    spec: {
      owner: 'group:default/team-a',
      type: 'service',
      parameters: [{ properties: { name: { type: 'string' } } }],
      steps: [
        {
          id: 'delete',
          name: 'Delete',
          action: 'digitalocean:kubernetes:delete',
          input: { name: '${{ parameters.name }}' },
        },
      ],
    },
  };
  writeFileSync(join(tmp, 'foreign-template.yaml'), stringify(foreign));
  const catalog = [
    entity('Group', 'platform-team', { type: 'team', children: [] }),
    entity('Group', 'team-a', { type: 'team', children: [] }),
    entity('Group', 'team-b', { type: 'team', children: [] }),
    ...Object.entries(people).map(([name, p]) =>
      entity('User', name, {
        profile: { email: p.email },
        memberOf: [p.group],
      }),
    ),
    ...(['team-a', 'team-b'] as const).map(team =>
      entity(
        'Component',
        `${team}-result`,
        { type: 'website', lifecycle: 'production', owner: team },
        // nothing listens there: past the permission check, the answer is 503
        {
          annotations: {
            'voting-platform.io/result-url': 'http://127.0.0.1:9',
          },
        },
      ),
    ),
    entity('Location', 'templates', {
      targets: [
        join(root, 'templates/*/template.yaml'),
        join(tmp, 'foreign-template.yaml'),
      ],
    }),
  ];
  writeFileSync(
    join(tmp, 'catalog.yaml'),
    catalog.map(e => stringify(e)).join('---\n'),
  );
  writeFileSync(
    join(tmp, 'app-config.test.yaml'),
    JSON.stringify({
      backend: {
        // a string, as app-config.production.yaml writes it
        listen: `127.0.0.1:${port}`,
        database: { client: 'better-sqlite3', connection: ':memory:' },
      },
      catalog: {
        locations: [{ type: 'file', target: join(tmp, 'catalog.yaml') }],
      },
      ...sandboxConfig(sandbox),
    }),
  );
  await build;
  backend = await startPortalBackend(baseUrl, {
    configs: [
      join(root, 'app-config.production.yaml'),
      join(tmp, 'app-config.test.yaml'),
    ],
    env: {
      NODE_ENV: 'production',
      BACKSTAGE_SCRIPT_TOKEN: scriptToken,
      BACKSTAGE_BASE_URL: baseUrl,
      AUTH_SESSION_SECRET: sessionSecret,
      OIDC_METADATA_URL: oidc.metadataUrl,
      OIDC_CLIENT_ID: OIDC_CLIENT_ID,
      OIDC_CLIENT_SECRET: oidc.clientSecret,
      POSTGRES_HOST: 'unused',
      POSTGRES_PORT: '5432',
      POSTGRES_USER: 'unused',
      POSTGRES_PASSWORD: 'unused',
    },
  });
  await waitFor(
    'the catalog to serve the users and templates',
    async () =>
      (
        await Promise.all(
          [
            'user/default/alice',
            'template/default/voting-platform',
            'template/default/voting-platform-teardown',
            'template/default/borrowed-cleanup',
            'component/default/team-b-result',
          ].map(ref =>
            api(`/api/catalog/entities/by-name/${ref}`, {}, scriptToken),
          ),
        )
      ).every(r => r.ok),
    60_000,
    250,
  );
});

afterAll(async () => {
  await backend?.stop();
  oidc?.stop();
  await sandbox?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('sign-in in the production configuration', () => {
  it('refuses guest sign-in', async () => {
    const response = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
      method: 'POST',
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    });
    assert.notEqual(response.status, 200);
    assert.doesNotMatch(await response.text(), /"token"/);
  });

  it('signs each user in through OpenID Connect in Chromium, as the catalog User with their email', async () => {
    const portal = baseUrl; // fixed for the closures below
    const browser = await launchChromium();
    try {
      for (const who of Object.keys(people) as Person[]) {
        await browser.context.clearCookies();
        const page = await browser.context.newPage();
        page.setDefaultTimeout(30_000);
        await page.goto(portal);
        // Once signed in, the app calls the backend with the user's Backstage token.
        const called = page.waitForRequest(
          r =>
            r.url().startsWith(`${portal}/api/catalog/`) &&
            !!r.headers().authorization,
          { timeout: 60_000 },
        );
        const [popup] = await Promise.all([
          browser.context.waitForEvent('page'),
          page.getByRole('button', { name: /sign in/i }).click(),
        ]);
        await popup.locator('input[name=login]').fill(who);
        await popup.locator('input[name=password]').fill('anything');
        await popup.locator('button[type=submit]').click();
        // consent to the portal's scopes
        await popup.locator('button[type=submit]').click();
        const token = (await called)
          .headers()
          .authorization!.replace(/^Bearer /, '');
        const { sub } = JSON.parse(
          Buffer.from(token.split('.')[1]!, 'base64url').toString(),
        ) as { sub: string };
        assert.equal(sub, `user:default/${who}`);
        // the backend resolves the user's groups from the catalog
        const info = (await (
          await api('/api/auth/v1/userinfo', {}, token)
        ).json()) as { claims: { sub: string; ent: string[] } };
        assert.equal(info.claims.sub, `user:default/${who}`);
        assert.ok(
          info.claims.ent.includes(`group:default/${people[who].group}`),
          info.claims.ent.join(', '),
        );
        tokens[who] = token;
        // and lands in the portal
        await page
          .getByRole('heading', { name: 'Voting Platform Catalog' })
          .waitFor();
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});

describe('the voting permission policy', () => {
  it('answers 401 to every call without a valid token', async () => {
    for (const [method, path] of [
      ['GET', '/api/catalog/entities'],
      ['POST', '/api/scaffolder/v2/tasks'],
      [
        'POST',
        '/api/scaffolder/v2/tasks/00000000-0000-0000-0000-000000000000/retry',
      ],
      ['POST', '/api/scaffolder/v2/dry-run'],
      ['GET', '/api/scaffolder/v2/tasks'],
      ['GET', '/api/voting/entities/component/default/team-a-result/results'],
    ] as const) {
      for (const auth of [undefined, 'not-a-token']) {
        const mark = requestCount();
        const response = await api(
          path,
          method === 'POST' ? { method, body: '{}' } : {},
          auth,
        );
        assert.equal(response.status, 401, `${method} ${path}`);
        assert.deepEqual(cloudRequests(mark, true), []);
      }
    }
  });

  it('lets alice create an environment for her team, tagged with its owner', async () => {
    const response = await runTemplate(
      'alice',
      'voting-platform',
      createValues('alpha', 'group:default/team-a'),
    );
    assert.equal(response.status, 201, await response.clone().text());
    const { id } = (await response.json()) as { id: string };
    const cluster = await waitFor(
      'the cluster of alpha at DigitalOcean',
      async () => {
        const found = (await clusters()).find(c => c.name === 'alpha');
        if (!found) await assertTaskNotFailed(id, 'alice');
        return found;
      },
      60_000,
      250,
    );
    assert.ok(cluster.tags.includes('owner:team-a'), cluster.tags.join(', '));
  });

  it("refuses bob a re-run of alice's task", async () => {
    const tasks = (await (
      await api('/api/scaffolder/v2/tasks', {}, tokens.alice)
    ).json()) as { tasks: Array<{ id: string; createdBy: string }> };
    const task = tasks.tasks.find(t => t.createdBy === 'user:default/alice');
    assert.ok(task, 'alice sees her own task');
    const mark = requestCount();
    const response = await api(
      `/api/scaffolder/v2/tasks/${task.id}/retry`,
      { method: 'POST', body: '{}' },
      tokens.bob,
    );
    assert.equal(response.status, 403);
    assert.deepEqual(cloudRequests(mark), []);
    // nor does bob see alice's tasks
    const bobs = (await (
      await api('/api/scaffolder/v2/tasks', {}, tokens.bob)
    ).json()) as { tasks: unknown[] };
    assert.deepEqual(bobs.tasks, []);
  });

  it("refuses alice an environment for bob's team: 403, no task, nothing at the providers", async () => {
    const mark = requestCount();
    const tasksBefore = await api('/api/scaffolder/v2/tasks', {}, scriptToken);
    const before = ((await tasksBefore.json()) as { totalTasks: number })
      .totalTasks;
    const response = await runTemplate(
      'alice',
      'voting-platform',
      createValues('sneaky', 'group:default/team-b'),
    );
    await assertRefused(
      response,
      /user:default\/alice may not create environment sneaky/,
    );
    const tasksAfter = await api('/api/scaffolder/v2/tasks', {}, scriptToken);
    assert.equal(
      ((await tasksAfter.json()) as { totalTasks: number }).totalTasks,
      before,
    );
    assert.deepEqual(cloudRequests(mark, true), []);
  });

  it("refuses bob the teardown of alice's environment, and deletes nothing", async () => {
    const mark = requestCount();
    const response = await runTemplate('bob', 'voting-platform-teardown', {
      name: 'alpha',
      confirmName: 'alpha',
      domain: 'example.com',
    });
    assert.equal(response.status, 403);
    // the check read the cluster's owner tag, and nothing else happened
    assert.deepEqual(cloudRequests(mark), []);
    assert.ok((await clusters()).some(c => c.name === 'alpha'));
    // an environment whose owner nobody recorded is the platform group's to remove
    const unknown = await runTemplate('bob', 'voting-platform-teardown', {
      name: 'ghost',
      confirmName: 'ghost',
      domain: 'example.com',
    });
    await assertRefused(
      unknown,
      /may not tear down environment ghost \(owner: unknown\)/,
    );
  });

  it('refuses bob a "create" for his own team under the name of alice\'s environment', async () => {
    const mark = requestCount();
    const response = await runTemplate(
      'bob',
      'voting-platform',
      createValues('alpha', 'group:default/team-b'),
    );
    await assertRefused(
      response,
      /may not create environment alpha \(it exists and belongs to group:default\/team-a\)/,
    );
    assert.deepEqual(cloudRequests(mark), []);
  });

  it('refuses a template registered from elsewhere that calls a DigitalOcean action, also as a dry run', async () => {
    const mark = requestCount();
    const response = await runTemplate('alice', 'borrowed-cleanup', {
      name: 'alpha',
    });
    assert.equal(response.status, 403);
    const dryRun = await api(
      '/api/scaffolder/v2/dry-run',
      {
        method: 'POST',
        body: JSON.stringify({
          template: {
            apiVersion: 'scaffolder.backstage.io/v1beta3',
            kind: 'Template',
            metadata: { name: 'inline' },
            spec: {
              type: 'service',
              steps: [
                {
                  id: 'delete',
                  action: 'digitalocean:kubernetes:delete',
                  input: { name: 'alpha' },
                },
              ],
            },
          },
          values: {},
          directoryContents: [],
        }),
      },
      tokens.alice,
    );
    assert.equal(dryRun.status, 403);
    assert.deepEqual(cloudRequests(mark, true), []);
  });

  it('shows an environment status to its owners only', async () => {
    const status = (who: Person, team: string) =>
      api(
        `/api/voting/entities/component/default/${team}-result/results`,
        {},
        tokens[who],
      ).then(r => r.status);
    assert.equal(await status('alice', 'team-b'), 403);
    assert.equal(await status('bob', 'team-a'), 403);
    // allowed, and then the (absent) result service answers nothing
    assert.equal(await status('alice', 'team-a'), 503);
    assert.equal(await status('root', 'team-b'), 503);
    // everyone signed in still sees that the environment exists
    assert.equal(
      (
        await api(
          '/api/catalog/entities/by-name/component/default/team-b-result',
          {},
          tokens.alice,
        )
      ).status,
      200,
    );
  });

  it("lets the platform admin tear down alice's environment", async () => {
    const response = await runTemplate('root', 'voting-platform-teardown', {
      name: 'alpha',
      confirmName: 'alpha',
      domain: 'example.com',
    });
    assert.equal(response.status, 201, await response.clone().text());
    const { id } = (await response.json()) as { id: string };
    await waitFor(
      'the teardown to complete',
      async () => (await assertTaskNotFailed(id, 'root')) === 'completed',
      60_000,
      250,
    );
    const alpha = (await clusters()).find(c => c.name === 'alpha');
    assert.ok(!alpha || alpha.status.state === 'deleting', alpha?.status.state);
    // every request the actions and the guard made matched the providers' OpenAPI documents
    sandbox.assertNoViolations();
  });

  it("lets a team unregister its own catalog entities, and refuses another team's entities and any location with 403", async () => {
    const readComponent = async (name: string) =>
      api(
        `/api/catalog/entities/by-name/component/default/${name}`,
        {},
        scriptToken,
      );
    const unregister = async (who: Person, name: string) => {
      const { metadata } = (await (await readComponent(name)).json()) as {
        metadata: { uid: string };
      };
      return (
        await api(
          `/api/catalog/entities/by-uid/${metadata.uid}`,
          { method: 'DELETE' },
          tokens[who],
        )
      ).status;
    };
    assert.equal(await unregister('bob', 'team-a-result'), 403);
    assert.equal((await readComponent('team-a-result')).status, 200);
    assert.equal(await unregister('alice', 'team-a-result'), 204);
    assert.equal((await readComponent('team-a-result')).status, 404);
    // a location may hold any team's entities: only the platform group removes one (the catalog
    // records it at once; reading it, which this machine cannot, comes later)
    const target = 'https://git.example.com/team-a/catalog-info.yaml';
    const registered = await api(
      '/api/catalog/locations',
      { method: 'POST', body: JSON.stringify({ type: 'url', target }) },
      scriptToken,
    );
    assert.equal(registered.status, 201, await registered.clone().text());
    const { location } = (await registered.json()) as {
      location: { id: string };
    };
    const path = `/api/catalog/locations/${location.id}`;
    assert.equal(
      (await api(path, { method: 'DELETE' }, tokens.alice)).status,
      403,
    );
    assert.equal((await api(path, {}, scriptToken)).status, 200);
    assert.equal(
      (await api(path, { method: 'DELETE' }, tokens.root)).status,
      204,
    );
    assert.equal((await api(path, {}, scriptToken)).status, 404);
  });

  it('recorded every decision with the auditor, with user, environment, action and outcome, and no secret', () => {
    const events = auditEvents('voting-environment').filter(
      e => e.status !== 'initiated',
    );
    const summary = events.map(e => [
      e.actor?.actorId,
      e.meta?.actionType,
      e.meta?.templateRef,
      e.meta?.environment,
      e.status,
    ]);
    const create = 'template:default/voting-platform';
    const teardown = 'template:default/voting-platform-teardown';
    for (const expected of [
      ['user:default/alice', 'create', create, 'alpha', 'succeeded'],
      ['user:default/alice', 'create', create, 'sneaky', 'failed'],
      ['user:default/bob', 'teardown', teardown, 'alpha', 'failed'],
      ['user:default/bob', 'create', create, 'alpha', 'failed'],
      [
        'user:default/alice',
        'create',
        'template:default/borrowed-cleanup',
        'alpha',
        'failed',
      ],
      [
        'user:default/alice',
        'dry-run',
        'template:default/(inline dry run)',
        '',
        'failed',
      ],
      ['user:default/root', 'teardown', teardown, 'alpha', 'succeeded'],
      ['user:default/bob', 'rerun', undefined, undefined, 'failed'],
    ]) {
      assert.ok(
        summary.some(s => JSON.stringify(s) === JSON.stringify(expected)),
        `no audit event ${JSON.stringify(expected)} in ${JSON.stringify(
          summary,
        )}`,
      );
    }
    // the scaffolder's own task events, too
    assert.ok(auditEvents('task').length > 0);
    for (const secret of [
      oidc.clientSecret,
      sessionSecret,
      scriptToken,
      sandbox.digitalocean.token,
      sandbox.cloudflare.token,
      ...Object.values(tokens),
    ]) {
      assert.ok(
        !backend.output().includes(secret),
        'a secret in the backend log',
      );
    }
  });
});
