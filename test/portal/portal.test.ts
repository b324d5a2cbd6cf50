/**
 * The portal as `npm start` runs it: the real backend process (every plugin and module, SQLite
 * in memory) serving the built frontend, against a real result service on PostgreSQL and Redis,
 * driven over HTTP and with Chromium.
 */
import {
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  NoForeignRootFieldsEntityPolicy,
  resourceEntityV1alpha1Validator,
  SchemaValidEntityPolicy,
  systemEntityV1alpha1Validator,
  type Entity,
} from '@backstage/catalog-model';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';
import { environmentSpecFixture } from '@voting-platform/plugin-voting-common/testUtils';
import {
  ManualClock,
  startSandbox,
  type Sandbox,
} from '@voting-platform/cloud-sandbox';
import {
  ensureFrontendBuilt,
  root,
  spawnBackend,
  waitBackendReady,
} from '../../scripts/lib/portal.js';
import { appProcess, stackEnv, type AppProcess } from '../support/apps.js';
import { accessibilityViolations } from '../support/browser.js';
import { freePort, waitFor } from '../support/ports.js';
import { scaffolderTasks } from '../support/tasks.js';
import { startBackends } from '../support/stack.js';

const token = randomBytes(24).toString('hex');
const catalogEntities = parseAllDocuments(
  readFileSync(join(root, 'catalog-info.yaml'), 'utf8'),
).map(d => d.toJS() as Entity);

let backends: Awaited<ReturnType<typeof startBackends>>;
let apps: AppProcess[] = [];
let result: AppProcess;
let vote: AppProcess;
let backend: ChildProcess;
let backendOutput = '';
let baseUrl: string;
let tmp: string;
let sandbox: Sandbox;
const clock = new ManualClock();
const templates = ['voting-platform', 'voting-platform-teardown'].map(
  name =>
    parseYaml(
      readFileSync(join(root, 'templates', name, 'template.yaml'), 'utf8'),
    ) as Entity,
);

const api = (
  path: string,
  init: RequestInit = {},
  auth: string | null = token,
) =>
  fetch(`${baseUrl}${path}`, {
    ...init,
    headers: {
      ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      ...(init.headers as Record<string, string>),
    },
  });

beforeAll(async () => {
  const build = ensureFrontendBuilt(message => console.log(`# ${message}`));
  backends = await startBackends('redis');
  const env = stackEnv(backends.urls);
  const worker = await appProcess('worker', env);
  await worker.start();
  result = await appProcess('result', env);
  vote = await appProcess('vote', env);
  apps = [worker, result, vote];
  await Promise.all([result.start(), vote.start()]);

  // catalog-info.yaml as it is, except that it points at this test's vote and result apps.
  tmp = mkdtempSync(join(tmpdir(), 'portal-test-'));
  writeFileSync(
    join(tmp, 'catalog-info.yaml'),
    readFileSync(join(root, 'catalog-info.yaml'), 'utf8')
      .replaceAll('http://localhost:8081', result.url)
      .replaceAll('http://localhost:8080', vote.url)
      .replace(
        './templates/*/template.yaml',
        join(root, 'templates/*/template.yaml'),
      ),
  );
  // The DigitalOcean and Cloudflare actions talk to the local emulators, contract-checked.
  sandbox = await startSandbox({
    clock,
    cloudflare: { zones: ['example.com'] },
  });
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(tmp, 'app-config.test.yaml'),
    JSON.stringify({
      app: { baseUrl },
      backend: {
        baseUrl,
        listen: { port, host: '127.0.0.1' },
        cors: { origin: baseUrl },
      },
      catalog: {
        locations: [{ type: 'file', target: join(tmp, 'catalog-info.yaml') }],
      },
      digitalocean: {
        apiUrl: sandbox.digitalocean.url,
        token: sandbox.digitalocean.token,
      },
      cloudflare: {
        apiUrl: sandbox.cloudflare.url,
        apiToken: sandbox.cloudflare.token,
      },
      // a short interval, so that a broken cluster shows within seconds
      voting: { status: { cacheSeconds: 2 } },
    }),
  );
  await build;
  backend = spawnBackend({
    configs: [join(tmp, 'app-config.test.yaml')],
    env: { BACKSTAGE_SCRIPT_TOKEN: token },
    stdio: 'pipe',
  });
  backend.stdout!.on('data', chunk => (backendOutput += chunk));
  backend.stderr!.on('data', chunk => (backendOutput += chunk));
  try {
    await waitBackendReady(baseUrl, backend, 120_000);
  } catch (error) {
    console.log(backendOutput);
    throw error;
  }
  // The catalog processes its locations in the background after start.
  await waitFor(
    'the catalog to serve the result component',
    async () =>
      (
        await api('/api/catalog/entities/by-name/component/default/result')
      ).ok,
    60_000,
    250,
  );
});

afterAll(async () => {
  if (backend && backend.exitCode === null) {
    const exited = new Promise(resolve => backend.once('exit', resolve));
    backend.kill('SIGTERM');
    await exited;
  }
  await Promise.all(apps.map(app => app.stop()));
  await backends?.destroy();
  await sandbox?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('catalog-info.yaml', () => {
  it('holds entities that @backstage/catalog-model validates', async () => {
    const policy = EntityPolicies.allOf([
      new DefaultNamespaceEntityPolicy(),
      new NoForeignRootFieldsEntityPolicy(),
      new FieldFormatEntityPolicy(),
      new SchemaValidEntityPolicy(),
    ]);
    const validators = [
      apiEntityV1alpha1Validator,
      componentEntityV1alpha1Validator,
      groupEntityV1alpha1Validator,
      locationEntityV1alpha1Validator,
      resourceEntityV1alpha1Validator,
      systemEntityV1alpha1Validator,
    ];
    for (const entity of catalogEntities) {
      const enforced = await policy.enforce(structuredClone(entity));
      assert.ok(
        enforced,
        `${entity.kind}:${entity.metadata.name} rejected by the entity policies`,
      );
      const results = await Promise.all(validators.map(v => v.check(enforced)));
      assert.ok(
        results.includes(true),
        `${entity.kind}:${entity.metadata.name} matches no kind validator`,
      );
    }
    const names = catalogEntities.map(e => `${e.kind}:${e.metadata.name}`);
    for (const expected of [
      'System:voting-platform',
      'Component:vote',
      'Component:worker',
      'Component:result',
      'API:vote-api',
      'API:results-api',
      'Location:voting-platform-templates',
    ]) {
      assert.ok(names.includes(expected), `missing ${expected}`);
    }
  });
});

describe('portal backend', () => {
  it('refuses unauthenticated requests with 401', async () => {
    for (const path of [
      '/api/catalog/entities',
      '/api/scaffolder/v2/actions',
      '/api/voting/entities/component/default/result/results',
    ]) {
      assert.equal((await api(path, {}, null)).status, 401, path);
      assert.equal(
        (await api(path, {}, 'not-the-token-000000000000')).status,
        401,
        path,
      );
    }
  });

  it("serves every entity of catalog-info.yaml (none rejected by the catalog's processing)", async () => {
    const response = await api('/api/catalog/entities/by-query?limit=500');
    assert.equal(response.status, 200);
    const { items } = (await response.json()) as { items: Entity[] };
    const served = new Set(
      items.map(e =>
        `${e.kind}:${e.metadata.namespace ?? 'default'}/${
          e.metadata.name
        }`.toLowerCase(),
      ),
    );
    // The catalog publishes no entity whose processing failed: the templates Location fails
    // until templates/*/template.yaml exist.
    const templatesExist =
      existsSync(join(root, 'templates')) &&
      readdirSync(join(root, 'templates')).some(d =>
        existsSync(join(root, 'templates', d, 'template.yaml')),
      );
    for (const entity of catalogEntities) {
      if (entity.kind === 'Location' && !templatesExist) continue;
      const ref =
        `${entity.kind}:default/${entity.metadata.name}`.toLowerCase();
      assert.ok(served.has(ref), `the catalog does not serve ${ref}`);
    }
    const resultApp = result;
    const component = items.find(
      e => e.kind === 'Component' && e.metadata.name === 'result',
    )!;
    assert.equal(
      component.metadata.annotations?.['voting-platform.io/result-url'],
      resultApp.url,
    );
    assert.ok(
      component.relations?.some(
        r =>
          r.type === 'partOf' &&
          r.targetRef === 'system:default/voting-platform',
      ),
    );
    assert.ok(
      component.relations?.some(
        r =>
          r.type === 'providesApi' && r.targetRef === 'api:default/results-api',
      ),
    );
  });

  it("lists this repository's scaffolder actions", async () => {
    const response = await api('/api/scaffolder/v2/actions');
    assert.equal(response.status, 200);
    const ids = ((await response.json()) as { id: string }[]).map(a => a.id);
    assert.ok(ids.includes('voting:manifests:render'), ids.join(', '));
    assert.ok(ids.includes('voting:results:read'), ids.join(', '));
    // every module's actions, in the dialect of plugins/README.md (provider:resource:verb; ensure for "create if missing")
    for (const id of [
      'voting:stack:ensure',
      'kubernetes:helm-release:ensure',
      'kubernetes:helm-release:delete',
      'kubernetes:namespace:delete',
      'digitalocean:vpc:ensure',
      'digitalocean:kubernetes:ensure',
      'digitalocean:database:ensure',
      'digitalocean:kubernetes:delete',
      'digitalocean:database:delete',
      'cloudflare:dns:ensure',
      'cloudflare:dns:delete',
      'cloudflare:zone:ssl:ensure',
      'cloudflare:origin-certificate:ensure',
      'cloudflare:origin-certificate:delete',
      'voting:environment:register',
      'voting:environment:unregister',
    ]) {
      assert.ok(ids.includes(id), `${id} is not registered: ${ids.join(', ')}`);
    }
  });

  it('runs the actions in a scaffolder dry run', async () => {
    const response = await api('/api/scaffolder/v2/dry-run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        template: {
          apiVersion: 'scaffolder.backstage.io/v1beta3',
          kind: 'Template',
          metadata: { name: 'dry-run-test' },
          spec: {
            type: 'service',
            parameters: [],
            steps: [
              {
                id: 'render',
                name: 'Render',
                action: 'voting:manifests:render',
                input: {
                  imageRepository: 'registry.example.com/acme',
                  domain: 'example.com',
                },
              },
              {
                id: 'results',
                name: 'Results',
                action: 'voting:results:read',
                input: { resultUrl: result.url },
              },
            ],
            output: {
              objects: '${{ steps.render.output.objects }}',
              total: '${{ steps.results.output.total }}',
            },
          },
        },
        values: {},
        directoryContents: [],
      }),
    });
    const body = (await response.json()) as {
      output: { objects: string[]; total: number };
      directoryContents: { path: string; base64Content: string }[];
      log: unknown[];
    };
    assert.equal(response.status, 200, JSON.stringify(body).slice(0, 2000));
    assert.ok(
      body.output.objects.includes('Ingress/voting'),
      JSON.stringify(body.output),
    );
    assert.equal(typeof body.output.total, 'number');
    const file = body.directoryContents.find(
      f => f.path === 'k8s/voting-stack.yaml',
    );
    assert.ok(file, 'the manifest file is in the dry run workspace');
    assert.match(
      Buffer.from(file.base64Content, 'base64').toString('utf8'),
      /host: result\.example\.com/,
    );
  });

  it('serves the live tallies of the real result service for an annotated entity', async () => {
    const cast = await fetch(`${vote.url}/api/vote`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ option: 'a' }),
    });
    assert.equal(cast.status, 202);
    const body = await waitFor(
      'the vote to be counted',
      async () => {
        const response = await api(
          '/api/voting/entities/component/default/result/results',
        );
        assert.equal(response.status, 200);
        const json = (await response.json()) as {
          results: { total: number; options: { id: string; votes: number }[] };
        };
        return json.results.total >= 1 ? json : undefined;
      },
      30_000,
      200,
    );
    assert.equal(body.results.options.find(o => o.id === 'a')?.votes, 1);
    const direct = (await (
      await fetch(`${result.url}/api/results`)
    ).json()) as unknown;
    assert.deepEqual(body.results, direct);
  });

  it('answers 404 for an entity without the annotation', async () => {
    const response = await api(
      '/api/voting/entities/component/default/worker/results',
    );
    assert.equal(response.status, 404);
    assert.match(
      ((await response.json()) as { error: { message: string } }).error.message,
      /no voting-platform\.io\/result-url/,
    );
  });

  it('signs a guest in, and the guest token is accepted', async () => {
    const refresh = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
      method: 'POST',
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    });
    assert.equal(refresh.status, 200);
    const guestToken = (
      (await refresh.json()) as { backstageIdentity: { token: string } }
    ).backstageIdentity.token;
    assert.equal(
      (
        await api(
          '/api/catalog/entities/by-name/system/default/voting-platform',
          {},
          guestToken,
        )
      ).status,
      200,
    );
  });
});

/** Records an environment through the voting backend's route, as the register action does. */
async function registerEnvironment(
  name: string,
  fields: { owner?: string; clusterId?: string; region?: string } = {},
) {
  const response = await api(`/api/voting/environments/${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...environmentSpecFixture(),
      owner: 'group:default/platform-team',
      domain: `${name}.example.com`,
      voteUrl: vote.url,
      resultUrl: result.url,
      ...fields,
    }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { outcome: string }).outcome;
}

/** The environment's Component once the catalog has processed it (relations included). */
function environmentEntity(name: string) {
  return waitFor(
    `environment ${name} in the catalog`,
    async () => {
      const response = await api(
        `/api/catalog/entities/by-name/component/voting-environments/${name}`,
      );
      if (!response.ok) return undefined;
      const found = (await response.json()) as Entity;
      return found.relations?.length ? found : undefined;
    },
    30_000,
    250,
  );
}

/** Console errors, uncaught page errors and failed HTTP answers of a page, from now on. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', message => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', error => problems.push(`page error: ${error.message}`));
  page.on('response', response => {
    if (response.status() >= 400)
      problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  return problems;
}

describe('portal in Chromium', () => {
  let context: BrowserContext;
  let profile: string;
  beforeAll(async () => {
    // An empty profile of its own (playwright passes it as --user-data-dir).
    profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('signs in as guest, shows the catalog, the voting system and a component with its live votes', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = watchProblems(page);
    page.setDefaultTimeout(30_000);

    await page.goto(baseUrl);
    await page.getByRole('button', { name: 'Enter' }).click();

    // The catalog is the home page; the sidebar has the catalog and the scaffolder, no search.
    await page
      .getByRole('heading', { name: 'Voting Platform Catalog' })
      .waitFor();
    await page.getByRole('link', { name: 'Create' }).first().waitFor();
    assert.equal(await page.getByRole('link', { name: 'Search' }).count(), 0);

    // The voting system, from the catalog.
    await page
      .getByRole('link', { name: 'Voting platform', exact: true })
      .first()
      .click();
    await page.waitForURL(/\/catalog\/default\/system\/voting-platform/);
    await page
      .getByRole('heading', { name: /Voting platform/ })
      .first()
      .waitFor();
    await page
      .getByRole('link', { name: 'Result', exact: true })
      .first()
      .waitFor();

    // A component page with the links to the running apps and the live tallies.
    await page
      .getByRole('link', { name: 'Result', exact: true })
      .first()
      .click();
    await page.waitForURL(/\/catalog\/default\/component\/result/);
    const resultLink = page.getByRole('link', { name: /Result app \(local\)/ });
    await resultLink.waitFor();
    assert.equal(await resultLink.getAttribute('href'), result.url);
    await page.getByText('Live votes').waitFor();
    await page.getByText('Cats or dogs?').waitFor();
    await page.getByText(/1 vote in poll default/).waitFor();
    // The card links to the vote app too.
    await page.locator(`a[href="${vote.url}"]`).first().waitFor();

    assert.deepEqual(problems, []);
  });

  it("shows a registered environment's entity page with its live votes", async () => {
    await registerEnvironment('portal-page');
    await environmentEntity('portal-page');
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(
      `${baseUrl}/catalog/voting-environments/component/portal-page`,
    );
    const enter = page.getByRole('button', { name: 'Enter' });
    const card = page.getByText('Live votes');
    await enter.or(card).first().waitFor();
    if (await enter.isVisible()) await enter.click();
    await card.waitFor();
    await page.getByText('Cats or dogs?').waitFor();
    await page.getByRole('link', { name: 'Result app' }).first().waitFor();
  });

  it("shows the environment's status card, each section on its own, and the environments page lists it", async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(
      `${baseUrl}/catalog/voting-environments/component/portal-page`,
    );
    await page.getByText('Environment status').waitFor();
    // the fixture's cluster and database are not at the emulated DigitalOcean, and no record
    // was made for portal-page.example.com: those sections say so, the others stand
    await page
      .getByText(/DigitalOcean: get .*cluster .* failed with 404/)
      .first()
      .waitFor();
    await page.getByText(/result\.portal-page\.example\.com missing/).waitFor();
    await page.getByRole('link', { name: /Cluster in DigitalOcean/ }).waitFor();

    await page.goto(`${baseUrl}/voting-environments`);
    await page.getByRole('link', { name: 'portal-page' }).first().waitFor();
    await page.getByText('platform-team').first().waitFor();
  });

  it('passes an axe-core WCAG 2.1 AA audit on the status card, the Status tab and the environments page, in the light and the dark theme, with no console error', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = watchProblems(page);
    for (const theme of ['light', 'dark']) {
      // the app's theme API keeps the person's choice here (Settings → Appearance)
      await page.goto(baseUrl);
      await page.evaluate(id => localStorage.setItem('theme', id), theme);
      await page.goto(
        `${baseUrl}/catalog/voting-environments/component/portal-page`,
      );
      await page
        .getByText(/result\.portal-page\.example\.com missing/)
        .waitFor();
      // the page is in that theme: a dark background, or a light one
      const background = await page.evaluate(
        () => getComputedStyle(document.body).backgroundColor,
      );
      const brightness = Math.max(...background.match(/\d+/g)!.map(Number));
      assert.ok(
        theme === 'dark' ? brightness < 100 : brightness > 200,
        `the ${theme} theme, background ${background}`,
      );
      assert.deepEqual(
        await accessibilityViolations(page),
        [],
        `status card, ${theme}`,
      );
      await page.goto(
        `${baseUrl}/catalog/voting-environments/component/portal-page/status`,
      );
      await page.getByTestId('section-votes').waitFor();
      await page
        .getByText(/Cats or dogs\?/)
        .first()
        .waitFor();
      assert.deepEqual(
        await accessibilityViolations(page),
        [],
        `Status tab, ${theme}`,
      );
      await page.goto(`${baseUrl}/voting-environments`);
      await page.getByRole('link', { name: 'portal-page' }).first().waitFor();
      assert.deepEqual(
        await accessibilityViolations(page),
        [],
        `environments page, ${theme}`,
      );
    }
    await page.evaluate(() => localStorage.removeItem('theme'));
    assert.deepEqual(problems, []);
  });

  it('opens the environments page, listed from the catalog, and filters it by owner, region and status', async () => {
    // clusters at the emulated DigitalOcean in two regions, recorded with their regions
    const clusterIn = async (name: string, region: string) => {
      const response = await fetch(
        `${sandbox.digitalocean.url}/kubernetes/clusters`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${sandbox.digitalocean.token}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            name,
            region,
            version: 'latest',
            node_pools: [{ name: 'pool', size: 's-2vcpu-4gb', count: 1 }],
          }),
        },
      );
      assert.equal(response.status, 201, await response.clone().text());
      return ((await response.json()) as { kubernetes_cluster: { id: string } })
        .kubernetes_cluster.id;
    };
    await registerEnvironment('filter-nyc', {
      clusterId: await clusterIn('filter-nyc', 'nyc1'),
      region: 'nyc1',
    });
    await registerEnvironment('filter-fra', {
      clusterId: await clusterIn('filter-fra', 'fra1'),
      region: 'fra1',
    });
    await registerEnvironment('filter-other', {
      clusterId: await clusterIn('filter-other', 'fra1'),
      region: 'fra1',
      owner: 'group:default/team-b',
    });
    // the page lists the catalog's entities: wait until the catalog has made them
    for (const name of ['filter-nyc', 'filter-fra', 'filter-other'])
      await environmentEntity(name);
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = watchProblems(page);
    await page.goto(`${baseUrl}/voting-environments`);
    const enter = page.getByRole('button', { name: 'Enter' });
    const heading = page.getByRole('heading', { name: 'Voting environments' });
    await enter.or(heading).first().waitFor();
    if (await enter.isVisible()) await enter.click();
    await page.getByRole('link', { name: 'filter-other' }).waitFor();
    const names = ['portal-page', 'filter-nyc', 'filter-fra', 'filter-other'];
    /** Waits until the page links to exactly these of the names (the filters run as picked). */
    const listed = async (expected: string[]) => {
      const shown = async () => {
        const counts = await Promise.all(
          names.map(name => page.getByRole('link', { name }).count()),
        );
        return names.filter((_, i) => (counts[i] ?? 0) > 0);
      };
      await waitFor(
        `the page to list ${expected.join(', ') || 'none'}`,
        async () =>
          JSON.stringify(await shown()) === JSON.stringify(expected)
            ? true
            : undefined,
      ).catch(async error => {
        assert.deepEqual(await shown(), expected, String(error));
      });
    };
    const filters = page.getByRole('search', { name: 'Filter environments' });
    // catalog-react's autocompletes: the label holds the input
    const pick = async (picker: string, option: string) => {
      const input = filters.getByLabel(picker);
      await input.click();
      await page
        .getByRole('listbox')
        .getByRole('option', { name: option, exact: true })
        .click();
      await input.press('Escape');
      await page.getByRole('listbox').waitFor({ state: 'detached' });
    };
    const unpick = (option: string) =>
      filters
        .getByRole('button', { name: option, exact: true })
        .locator('.MuiChip-deleteIcon')
        .click();
    await pick('Region', 'fra1');
    await listed(['filter-fra', 'filter-other']);
    await pick('Owner', 'platform-team');
    await listed(['filter-fra']);
    assert.match(page.url(), /filters%5Bregion%5D=fra1/);
    await unpick('fra1');
    await pick('Region', 'nyc1');
    // portal-page's cluster is not at the emulator: only its entity's label says nyc1
    await listed(['portal-page', 'filter-nyc']);
    await unpick('platform-team');
    await unpick('nyc1');
    await listed(names);
    // no database or DNS record of these environments exists at the emulators: all in error
    await pick('Status', 'Error');
    await listed(names);
    await unpick('Error');
    await pick('Status', 'OK');
    await listed([]);
    await page.getByText('No environment matches.').waitFor();
    await unpick('OK');
    await listed(names);
    assert.deepEqual(
      await accessibilityViolations(page),
      [],
      'environments page with filters',
    );
    assert.deepEqual(problems, []);
  });

  it('the create form offers the live pickers: sizes follow the region, the price follows the node count', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = watchProblems(page);
    const optionsCalls = () =>
      sandbox.digitalocean.requests.filter(
        r => r.operationId === 'kubernetes_list_options',
      ).length;
    const callsBefore = optionsCalls();
    await page.goto(`${baseUrl}/create/templates/default/voting-platform`);
    const enter = page.getByRole('button', { name: 'Enter' });
    const name = page.locator('#root_name');
    await enter.or(name).first().waitFor();
    if (await enter.isVisible()) await enter.click();
    await name.fill('picked');
    // the guest belongs to no team, so the owner starts empty: pick one
    await page.locator('#root_owner').click();
    await page.getByRole('option', { name: 'platform-team' }).click();
    // the regions come from the emulated DigitalOcean; Sydney has no General Purpose nodes
    const region = page.locator('select#root_region');
    await region.locator('option[value="syd1"]').waitFor({ state: 'attached' });
    await region.selectOption('syd1');
    await page.getByRole('button', { name: 'Next' }).click();

    const version = page.locator('select#root_kubernetesVersion');
    await version
      .locator('option[value="1.34.1-do.0"]')
      .waitFor({ state: 'attached' });
    const nodeSize = page.locator('select#root_nodeSize');
    await nodeSize
      .locator('option[value="s-2vcpu-4gb"]')
      .waitFor({ state: 'attached' });
    assert.equal(
      await nodeSize.locator('option[value="g-2vcpu-8gb"]').count(),
      0,
      'a size Sydney does not offer is not listed',
    );
    await nodeSize.selectOption('s-4vcpu-8gb');
    await page
      .getByText('3 × $48 a month = $144 a month for the nodes')
      .waitFor();
    await page.locator('#root_nodeCount').fill('4');
    await page
      .getByText('4 × $48 a month = $192 a month for the nodes')
      .waitFor();
    await page.getByRole('button', { name: 'Next' }).click();

    const databaseSize = page.locator('select#root_databaseSize');
    await databaseSize
      .locator('option[value="db-s-2vcpu-4gb"]')
      .waitFor({ state: 'attached' });
    // one node (the default) may be the smallest size, which is then chosen ...
    assert.equal(await databaseSize.inputValue(), 'db-s-1vcpu-1gb');
    // ... but it is not offered with a standby: the choice kept says so, until another is made
    await page.locator('#root_databaseNodes').fill('2');
    await databaseSize
      .locator('option[value="db-s-1vcpu-1gb"]', {
        hasText: 'not offered for 2 nodes',
      })
      .waitFor({ state: 'attached' });
    await databaseSize.selectOption('db-s-2vcpu-4gb');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.locator('#root_domain').fill('picked.example.com');
    const zone = page.locator('select#root_zone');
    await zone
      .getByRole('option', { name: 'example.com', exact: true })
      .waitFor({ state: 'attached' });
    await zone.selectOption({ label: 'example.com' });
    await page
      .locator('#root_imageRepository')
      .fill('registry.example.com/acme');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Create' }).waitFor();
    await page.getByText('s-4vcpu-8gb').first().waitFor();

    // every picker of the page shared one cached answer of the backend
    assert.ok(optionsCalls() - callsBefore <= 1, `${optionsCalls()} calls`);
    sandbox.assertNoViolations();
    assert.deepEqual(problems, []);
  });

  it('pushes new votes and a broken cluster to the entity page, without a reload', async () => {
    const created = await fetch(
      `${sandbox.digitalocean.url}/kubernetes/clusters`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${sandbox.digitalocean.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          name: 'portal-live',
          region: 'nyc1',
          version: 'latest',
          node_pools: [{ name: 'pool', size: 's-2vcpu-4gb', count: 1 }],
        }),
      },
    );
    assert.ok(created.ok, await created.clone().text());
    const clusterId = ((await created.json()) as any).kubernetes_cluster.id;
    clock.advance(10 * 60_000);
    await registerEnvironment('portal-live', { clusterId });
    await environmentEntity('portal-live');

    const page = context.pages()[0] ?? (await context.newPage());
    const problems = watchProblems(page);
    await page.goto(
      `${baseUrl}/catalog/voting-environments/component/portal-live`,
    );
    const enter = page.getByRole('button', { name: 'Enter' });
    const totals = page.getByText(/\d+ votes? in poll default/);
    await enter.or(totals).first().waitFor();
    if (await enter.isVisible()) await enter.click();
    const cluster = page.getByTestId('section-cluster');
    await cluster.getByText('OK', { exact: true }).waitFor();
    const before = Number((await totals.textContent())!.match(/\d+/)![0]);
    // a reload would lose this mark
    await page.evaluate(() => ((window as any).notReloaded = true));

    const castAt = Date.now();
    const cast = await fetch(`${vote.url}/api/vote`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ option: 'b' }),
    });
    assert.equal(cast.status, 202);
    await page
      .getByText(new RegExp(`^${before + 1} votes? in poll default`))
      .waitFor({ timeout: 30_000 });
    console.log(
      `# vote -> card: ${
        Date.now() - castAt
      } ms (cast on the vote app until the card showed it)`,
    );

    const brokenAt = Date.now();
    sandbox.digitalocean.breakCluster(clusterId, {
      state: 'error',
      message: 'a node pool failed',
    });
    // within the cards' 60 s fallback poll: only a signal brings it this soon
    await cluster
      .getByText('Error', { exact: true })
      .waitFor({ timeout: 30_000 });
    await cluster.getByText(/a node pool failed/).waitFor();
    console.log(
      `# broken cluster -> card: ${
        Date.now() - brokenAt
      } ms (cache interval 2 s)`,
    );
    assert.equal(await page.evaluate(() => (window as any).notReloaded), true);
  });

  it('the teardown form refuses a confirmation that differs from the name', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(
      `${baseUrl}/create/templates/default/voting-platform-teardown`,
    );
    const enter = page.getByRole('button', { name: 'Enter' });
    const name = page.locator('#root_name');
    await enter.or(name).first().waitFor();
    if (await enter.isVisible()) await enter.click();
    await name.fill('demo');
    await page.locator('#root_confirmName').fill('dem0');
    await page.locator('#root_domain').fill('example.com');
    // the create form's zone picker
    const zone = page.locator('select#root_zone');
    await zone
      .getByRole('option', { name: 'example.com', exact: true })
      .waitFor({ state: 'attached' });
    await zone.selectOption({ label: 'example.com' });
    // the mismatch page is among the steps while the two differ, so the button says Next
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('type "demo" exactly, as name says').first().waitFor();
    await page.locator('#root_confirmName').fill('demo');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Create' }).waitFor();
  });
});

describe('software templates', () => {
  const actionOutputs = async () => {
    const actions = (await (
      await api('/api/scaffolder/v2/actions')
    ).json()) as Array<{
      id: string;
      schema?: { output?: { properties?: Record<string, unknown> } };
    }>;
    return new Map(
      actions.map(a => [a.id, Object.keys(a.schema?.output?.properties ?? {})]),
    );
  };

  it('validate as Template entities', async () => {
    const policy = EntityPolicies.allOf([
      new DefaultNamespaceEntityPolicy(),
      new FieldFormatEntityPolicy(),
      new SchemaValidEntityPolicy(),
    ]);
    for (const template of templates) {
      const enforced = await policy.enforce(structuredClone(template));
      assert.ok(
        enforced && (await templateEntityV1beta3Validator.check(enforced)),
        template.metadata.name,
      );
    }
  });

  it('use only registered actions, declared parameters and outputs that earlier steps declare', async () => {
    const outputs = await actionOutputs();
    for (const template of templates) {
      const spec = template.spec as {
        parameters: Array<{ properties: Record<string, unknown> }>;
        steps: Array<{ id: string; action: string; input?: unknown }>;
        output?: unknown;
      };
      const parameters = new Set(
        spec.parameters.flatMap(page => Object.keys(page.properties)),
      );
      const earlier = new Map<string, string>();
      for (const step of [
        ...spec.steps,
        { id: '(output)', action: '', input: spec.output },
      ]) {
        const text = JSON.stringify(step.input ?? {});
        for (const [, name] of text.matchAll(/parameters\.(\w+)/g))
          assert.ok(
            parameters.has(name!),
            `${template.metadata.name}/${step.id}: parameters.${name} is not a form field`,
          );
        for (const [, id, output] of text.matchAll(
          /steps\.(\w+)\.output\.(\w+)/g,
        )) {
          assert.ok(
            earlier.has(id!),
            `${template.metadata.name}/${step.id}: step ${id} does not run before it`,
          );
          assert.ok(
            outputs.get(earlier.get(id!)!)?.includes(output!),
            `${template.metadata.name}/${step.id}: ${earlier.get(
              id!,
            )} has no output ${output}`,
          );
        }
        if (step.action) {
          assert.ok(
            outputs.has(step.action),
            `${template.metadata.name}/${step.id}: ${step.action} is not registered`,
          );
          earlier.set(step.id, step.action);
        }
      }
    }
  });

  it('take the load balancer address from the Traefik step and the Helm releases from their steps, not from matching defaults', () => {
    const steps = (
      templates.find(t => t.metadata.name === 'voting-platform')!.spec as {
        steps: Array<{
          id: string;
          action: string;
          input: Record<string, unknown>;
        }>;
      }
    ).steps;
    const step = (id: string) => steps.find(s => s.id === id)!;
    assert.equal(step('traefik').action, 'kubernetes:helm-release:ensure');
    assert.equal(step('deploy').action, 'voting:stack:ensure');
    for (const id of ['dnsVote', 'dnsResult', 'dnsGrafana'])
      assert.equal(
        step(id).input.content,
        '${{ steps.traefik.output.loadBalancerAddress }}',
      );
    assert.deepEqual(
      [
        step('deploy').input.traefikNamespace,
        step('deploy').input.traefikService,
        step('deploy').input.prometheusRelease,
        step('deploy').input.grafanaService,
        step('deploy').input.monitoringNamespace,
      ],
      [
        '${{ steps.traefik.output.namespace }}',
        '${{ steps.traefik.output.serviceName }}',
        '${{ steps.monitoring.output.releaseName }}',
        '${{ steps.monitoring.output.grafanaServiceName }}',
        '${{ steps.monitoring.output.namespace }}',
      ],
    );
    assert.equal(
      step('traefik').input.prometheusRelease,
      '${{ steps.monitoring.output.releaseName }}',
    );
    // the app connects as the database step's own user, through that step's pool
    assert.equal(
      step('deploy').input.databasePool,
      '${{ steps.database.output.pool }}',
    );
    // the monitoring and Traefik steps come before the steps that read their outputs
    const order = steps.map(s => s.id);
    assert.ok(
      order.indexOf('monitoring') < order.indexOf('traefik') &&
        order.indexOf('traefik') < order.indexOf('deploy') &&
        order.indexOf('traefik') < order.indexOf('dnsVote'),
    );
  });

  it('tear down inside the cluster before the cluster, revoke the certificates the create issued, and log what stays', () => {
    const stepsOf = (name: string) =>
      (
        templates.find(t => t.metadata.name === name)!.spec as {
          steps: Array<{
            id: string;
            action: string;
            input: Record<string, unknown>;
          }>;
        }
      ).steps;
    const create = stepsOf('voting-platform');
    const teardown = stepsOf('voting-platform-teardown');
    const actions = teardown.map(s => s.action);
    const at = (action: string) => actions.indexOf(action);
    // every release the create installs is uninstalled, and the namespaces go, before the cluster
    const installed = create
      .filter(s => s.action === 'kubernetes:helm-release:ensure')
      .map(s => s.input.preset);
    const uninstalled = teardown.filter(
      s => s.action === 'kubernetes:helm-release:delete',
    );
    assert.deepEqual(
      uninstalled.map(s => s.input.preset).sort(),
      [...installed].sort(),
    );
    const inCluster = teardown.filter(s => s.action.startsWith('kubernetes:'));
    assert.ok(
      inCluster.some(
        s =>
          s.action === 'kubernetes:namespace:delete' &&
          s.input.namespace === 'voting',
      ),
    );
    for (const s of inCluster)
      assert.ok(
        teardown.indexOf(s) < at('digitalocean:kubernetes:delete'),
        `${s.id} runs before the cluster is deleted`,
      );
    // the certificates for the host names the create asked for are revoked
    const issued = create.find(
      s => s.action === 'cloudflare:origin-certificate:ensure',
    )!;
    const revoked = teardown.find(
      s => s.action === 'cloudflare:origin-certificate:delete',
    )!;
    assert.deepEqual(revoked.input.hostnames, issued.input.hostnames);
    // both forms take the zone from the same picker, as an object with its name
    assert.equal(revoked.input.zone, issued.input.zone);
    // the last step says what stays and why
    const last = teardown[teardown.length - 1]!;
    assert.equal(last.action, 'debug:log');
    assert.match(String(last.input.message), /VPC .*SSL mode .*whole zone/s);
  });

  it('are served by the catalog from templates/*/template.yaml', async () => {
    for (const name of ['voting-platform', 'voting-platform-teardown']) {
      await waitFor(
        `template ${name} in the catalog`,
        async () =>
          (
            await api(`/api/catalog/entities/by-name/template/default/${name}`)
          ).ok,
        60_000,
        250,
      );
    }
  });

  it('create a new environment in a dry run: every step runs on the placeholders of the steps before it, and nothing changes', async () => {
    const requestsBefore =
      sandbox.digitalocean.requests.length + sandbox.cloudflare.requests.length;
    const create = templates.find(t => t.metadata.name === 'voting-platform')!;
    const response = await api('/api/scaffolder/v2/dry-run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        template: create,
        // every value the form would send (its defaults included)
        values: {
          owner: 'group:default/platform-team',
          name: 'dry-new',
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
        },
        directoryContents: [],
      }),
    });
    const body = (await response.json()) as {
      steps: Array<{ id: string }>;
      log: Array<{
        body: { message: string; stepId?: string; status?: string };
      }>;
    };
    assert.equal(response.status, 200, JSON.stringify(body).slice(0, 3000));
    const messages = body.log.map(entry => entry.body.message).join('\n');
    const finished = body.log
      .filter(entry => entry.body.status === 'completed')
      .map(entry => entry.body.stepId);
    assert.deepEqual(
      [...new Set(finished)],
      (create.spec!.steps as Array<{ id: string }>).map(step => step.id),
      messages,
    );
    assert.doesNotMatch(
      messages,
      /error|failed|Skipping (because|step)/i,
      messages,
    );
    for (const expected of [
      'Dry run: would create VPC "dry-new-vpc" in fra1',
      'in the VPC that an earlier step would create (dry-run-vpc-dry-new-vpc)',
      'open to the Kubernetes cluster that an earlier step would create (dry-run-kubernetes-dry-new)',
      'Dry run: would create Helm release traefik/traefik',
      'in the Kubernetes cluster that an earlier step would create (dry-run-kubernetes-dry-new), connected to the database cluster that an earlier step would create (dry-run-database-dry-new-db)',
      "Dry run: would create A vote.example.com -> the address an earlier step's real run gives",
      'Dry run: would create the record of environment "dry-new"',
    ])
      assert.ok(messages.includes(expected), `${expected}\n---\n${messages}`);
    const requests = [
      ...sandbox.digitalocean.requests,
      ...sandbox.cloudflare.requests,
    ].slice(requestsBefore);
    assert.deepEqual(
      requests.filter(r => r.method !== 'GET'),
      [],
      'nothing but reads',
    );
    assert.equal(
      (await api('/api/voting/environments/dry-new')).status,
      404,
      'no record in the portal',
    );
    sandbox.assertNoViolations();
  });

  it('tear down in a dry run without changing anything at DigitalOcean or Cloudflare', async () => {
    const requestsBefore =
      sandbox.digitalocean.requests.length + sandbox.cloudflare.requests.length;
    const teardown = templates.find(
      t => t.metadata.name === 'voting-platform-teardown',
    )!;
    const response = await api('/api/scaffolder/v2/dry-run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        template: teardown,
        values: { name: 'demo', confirmName: 'demo', domain: 'example.com' },
        directoryContents: [],
      }),
    });
    const body = (await response.json()) as {
      steps: Array<{ id: string; status?: string }>;
      log: Array<{
        body: { message: string; stepId?: string; status?: string };
      }>;
    };
    assert.equal(response.status, 200, JSON.stringify(body).slice(0, 2000));
    const messages = body.log.map(entry => entry.body.message).join('\n');
    assert.doesNotMatch(messages, /error|failed/i, messages);
    const requests = [
      ...sandbox.digitalocean.requests,
      ...sandbox.cloudflare.requests,
    ].slice(requestsBefore);
    assert.ok(requests.length > 0, 'the dry run looked the resources up');
    assert.deepEqual(
      requests.filter(r => r.method !== 'GET'),
      [],
      'nothing but reads',
    );
    assert.match(messages, /No record of environment "demo" in the portal/);
    sandbox.assertNoViolations();
    assert.doesNotMatch(
      messages + backendOutput,
      new RegExp(`${sandbox.digitalocean.token}|${sandbox.cloudflare.token}`),
      'no token in the task log',
    );
  });
});

describe('scaffolder tasks of the create template', () => {
  const tasks = scaffolderTasks(api);

  // Unpatched, scaffolder-backend 4.3 ends a cancelled task as `failed`, with the step's AbortError
  // stack in its log: .yarn/patches makes the worker complete it as `cancelled`. What the actions
  // owe is to let the cancel through at once, as the task's own abort, not to wait on.
  it('a task cancelled while it waits for its cluster stops at once and ends as cancelled, with no error in its log', async () => {
    const id = await tasks.start('template:default/voting-platform', {
      owner: 'group:default/platform-team',
      name: 'cancel-me',
      region: 'fra1',
      nodeSize: 's-2vcpu-4gb',
      nodeCount: 3,
      autoScaleMax: 5,
      highAvailability: true,
      domain: 'example.com',
      imageRepository: 'registry.example.com/acme',
    });
    // the emulator's clock stands still in this suite: the cluster stays provisioning
    await waitFor(
      'the cluster step to wait for its cluster',
      async () =>
        (
          await tasks.events(id)
        ).some(e =>
          /cluster "cancel-me": provisioning/.test(e.body.message ?? ''),
        ),
      60_000,
      250,
    );
    // reads of this task's cluster only: the watched environments of other tests are read too
    const clusterId = [...sandbox.digitalocean.clusters.values()].find(
      c => c.name === 'cancel-me',
    )!.id;
    const clusterReads = () =>
      sandbox.digitalocean.requests.filter(r => r.path.includes(clusterId))
        .length;
    const readsAtCancel = clusterReads();
    const cancel = await api(`/api/scaffolder/v2/tasks/${id}/cancel`, {
      method: 'POST',
    });
    assert.equal(cancel.status, 200);
    const status = await tasks.end(id, 60_000);
    const all = await tasks.events(id);
    const log = all
      .map(e => `${e.type} ${e.body.status ?? ''} ${e.body.message ?? ''}`)
      .join('\n');
    assert.ok(
      all.some(e => e.type === 'cancelled'),
      log,
    );
    assert.equal(status, 'cancelled', log);
    assert.ok(
      all.some(
        e =>
          e.body.stepId === 'cluster' &&
          e.body.status === 'cancelled' &&
          e.body.message === 'Step cluster has been cancelled.',
      ),
      log,
    );
    assert.doesNotMatch(
      log,
      /AbortError|Error:|DigitalOceanError|did not become running|retrying in/,
    );
    assert.ok(!all.some(e => e.body.status === 'failed'), log);
    assert.equal(
      all.find(e => e.type === 'completion')?.body.message,
      'Run completed with status: cancelled',
      log,
    );
    assert.ok(
      all.some(
        e => e.body.stepId === 'database' && e.body.status === 'skipped',
      ),
      log,
    );
    // the wait stopped polling: at most the read in flight when the cancel came
    assert.ok(clusterReads() - readsAtCancel <= 1, log);
  });
});

describe('environments in the catalog', () => {
  it('an environment registered through the voting backend gets its entity, with relations, and leaves the catalog when unregistered', async () => {
    assert.equal(await registerEnvironment('portal-demo'), 'created');
    assert.equal(await registerEnvironment('portal-demo'), 'unchanged');
    const component = await environmentEntity('portal-demo');
    const relations = component.relations!.map(r => `${r.type} ${r.targetRef}`);
    for (const expected of [
      'ownedBy group:default/platform-team',
      'partOf system:default/voting-platform',
      'dependsOn resource:voting-environments/portal-demo-cluster',
      'dependsOn resource:voting-environments/portal-demo-database',
      'dependsOn resource:voting-environments/portal-demo-dns-vote',
      'dependsOn resource:voting-environments/portal-demo-dns-result',
    ])
      assert.ok(relations.includes(expected), `${expected}: ${relations}`);

    assert.doesNotMatch(
      JSON.stringify(component) + backendOutput,
      new RegExp(token),
      'no token in the entity or the backend log',
    );

    const removed = await api('/api/voting/environments/portal-demo', {
      method: 'DELETE',
    });
    assert.deepEqual(await removed.json(), { outcome: 'deleted' });
    await waitFor(
      'the environment to leave the catalog',
      async () =>
        (
          await api(
            '/api/catalog/entities/by-name/component/voting-environments/portal-demo',
          )
        ).status === 404
          ? true
          : undefined,
      30_000,
      250,
    );
  });

  it('the teardown refuses a confirmation that differs from the name before any step runs', async () => {
    const before =
      sandbox.digitalocean.requests.length + sandbox.cloudflare.requests.length;
    const response = await api('/api/scaffolder/v2/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        templateRef: 'template:default/voting-platform-teardown',
        values: { name: 'demo', confirmName: 'dem0', domain: 'example.com' },
      }),
    });
    const text = await response.text();
    assert.equal(response.status, 400, text);
    assert.match(text, /confirmationMatchesName/);
    assert.equal(
      sandbox.digitalocean.requests.length + sandbox.cloudflare.requests.length,
      before,
      'no request reached DigitalOcean or Cloudflare',
    );
  });
});
