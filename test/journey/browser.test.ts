/**
 * The journey as a person makes it, in Chromium: open the portal, choose the create template,
 * fill its form, watch the task's log step by step, follow the output link to the environment's
 * entity page and its "Live votes" card, then vote on the vote app's page and see the card
 * change. In sandbox mode the local voting stack answers for every environment's votes, so this
 * one runs a real stack too.
 */
import assert from 'node:assert/strict';
import {
  STATUS_SECTIONS,
  type EnvironmentStatus,
} from '@voting-platform/plugin-voting-common';
import type { Page } from 'playwright-core';
import { ensureFrontendBuilt } from '../../scripts/lib/portal.js';
import { appProcesses, stackEnv, type AppProcess } from '../support/apps.js';
import { launchChromium } from '../support/browser.js';
import { startBackends } from '../support/stack.js';
import { startJourney, TEMPLATE_DEFAULTS, type Journey } from './harness.js';

const TEMPLATE = 'template:default/voting-platform';
let journey: Journey;
let stack: Awaited<ReturnType<typeof startBackends>>;
let apps: AppProcess[] = [];
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  const build = ensureFrontendBuilt(message => console.log(`# ${message}`));
  stack = await startBackends('redis');
  apps = await appProcesses(
    ['worker', 'vote', 'result'] as const,
    stackEnv(stack.urls),
  );
  // the worker runs the migrations
  await apps[0]!.start();
  await Promise.all(apps.slice(1).map(app => app.start()));
  const [, vote, result] = apps;
  await build;
  journey = await startJourney({
    localStack: { voteUrl: vote!.url, resultUrl: result!.url },
  });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await journey?.stop();
  await Promise.all(apps.map(app => app.stop()));
  await stack?.destroy();
});

/** Signs in as guest if the portal asks. */
async function enter(page: Page, then: ReturnType<Page['getByText']>) {
  const button = page.getByRole('button', { name: 'Enter' });
  await button.or(then).first().waitFor();
  if (await button.isVisible()) await button.click();
  await then.first().waitFor();
}

test('a person creates an environment in the portal and lands on its page with live votes', async () => {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on('pageerror', error => problems.push(`page error: ${error.message}`));

  await page.goto(`${journey.baseUrl}/create`);
  await enter(page, page.getByText('Voting app on DigitalOcean'));
  await page
    .locator('article, [class*="Card"]')
    .filter({ hasText: 'Voting app on DigitalOcean' })
    .getByRole('button', { name: 'Choose' })
    .first()
    .click();

  // Deployment
  await page.locator('#root_name').fill('journey-web');
  // the guest belongs to no team, so the owner starts empty: pick one
  await page.locator('#root_owner').click();
  await page.getByRole('option', { name: 'platform-team' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  // Kubernetes cluster, Database: the defaults
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  // Domain and poll
  await page.locator('#root_domain').fill('web.example.com');
  // the zone picker: a select of the account's zones, enabled once the options API answered
  await page.locator('#root_zone').selectOption({ label: 'example.com' });
  await page
    .locator('#root_imageRepository')
    .fill('registry.example.com/acme/voting');
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();

  // the task page: its log shown, each step of the template seen completing in turn
  await page.waitForURL(/\/create\/tasks\//);
  const taskId = page.url().split('/').at(-1)!;
  // the task as the API reports it, to say why when the page does not show it completing
  const task = journey.followTask(taskId);
  await page.getByRole('button', { name: 'Show logs' }).click();
  const template = (await journey.entity(TEMPLATE)) as {
    spec?: { steps?: Array<{ name: string }> };
  };
  const steps = template.spec!.steps!.map(step => step.name);
  assert.equal(steps.length, 12);
  // the stepper marks a step completed once the next one starts (the last stays "active"; its
  // end shows in the log below)
  const stepsSeen = (async () => {
    for (const step of steps.slice(0, -1))
      await page
        .locator('.MuiStepLabel-completed', { hasText: step })
        .waitFor({ timeout: 3 * 60_000 });
  })();
  stepsSeen.catch(() => {}); // awaited below, after the task's own outcome
  const run = await task;
  assert.equal(run.status, 'completed', run.text);
  await stepsSeen;
  // the form's defaults, left as they were, made what an API call leaving them out makes
  const { clusters, databases } = journey.cloud.digitalocean;
  const cluster = [...clusters.values()].find(c => c.name === 'journey-web');
  const database = [...databases.values()].find(
    d => d.name === 'journey-web-db',
  );
  assert.deepEqual(
    {
      highAvailability: cluster?.ha,
      nodeSize: cluster?.node_pools[0]?.size,
      nodeCount: cluster?.node_pools[0]?.count,
      autoScale: cluster?.node_pools[0]?.auto_scale,
      databaseSize: database?.size,
      databaseNodes: database?.num_nodes,
    },
    { ...TEMPLATE_DEFAULTS, autoScale: false },
  );
  await page
    .getByText(`Finished step ${steps.at(-1)}`)
    .first()
    .waitFor();
  const link = page.getByRole('link', {
    name: 'The environment in the catalog',
  });
  await link.waitFor();
  await link.click();
  await page.waitForURL(
    /\/catalog\/voting-environments\/component\/journey-web/,
  );
  // The register step ended once the catalog served the environment: the page shows it at
  // once, with no reload (before, a page opened too early said "Entity not found").
  const followedAt = Date.now();
  // the entity page and its cards load lazily: slow on a loaded machine
  await page
    .getByText('Live votes')
    .or(page.getByText('Entity not found'))
    .first()
    .waitFor({ timeout: 90_000 });
  assert.ok(
    await page.getByText('Live votes').isVisible(),
    `the entity page, without a reload:\n${await page
      .locator('body')
      .innerText()}`,
  );
  console.log(
    `# entity page with its Live votes card ${
      Date.now() - followedAt
    } ms after following the task's link`,
  );
  await page.getByText('Cats or dogs?').waitFor();
  await page.getByText(/No votes yet in poll default/).waitFor();
  // its status card: every section of the environment just made is OK (the API says why not)
  const status = (await (
    await journey.api('/api/voting/environments/journey-web/status')
  ).json()) as EnvironmentStatus;
  assert.deepEqual(
    Object.fromEntries(STATUS_SECTIONS.map(s => [s, status[s]?.state])),
    Object.fromEntries(STATUS_SECTIONS.map(s => [s, 'ok'])),
    JSON.stringify(status, null, 1),
  );
  // the card leaves the votes to the Live votes card beside it
  for (const section of STATUS_SECTIONS.filter(s => s !== 'votes'))
    await page
      .getByTestId(`section-${section}`)
      .getByText('OK', { exact: true })
      .waitFor();

  // a vote as a person casts it: on the vote app's page, in another tab
  const [, vote] = apps;
  const votePage = await browser.context.newPage();
  await votePage.goto(vote!.url);
  await votePage.getByRole('button', { name: 'Cats' }).click();
  await votePage.getByText(/your vote for Cats was counted/).waitFor();
  await votePage.close();
  await page.getByText(/1 vote in poll default/).waitFor();
  assert.deepEqual(problems, []);
}, 420_000);
