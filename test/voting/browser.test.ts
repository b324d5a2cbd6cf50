import assert from 'node:assert/strict';
import { appProcess, stackEnv, type AppProcess } from '../support/apps.js';
import { accessibilityViolations, launchChromium } from '../support/browser.js';
import { startBackends } from '../support/stack.js';

describe('voting in a real browser', () => {
  let backends: Awaited<ReturnType<typeof startBackends>>;
  const apps: AppProcess[] = [];
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    backends = await startBackends('redis');
    const result = await appProcess('result', stackEnv(backends.urls));
    const env = stackEnv({
      ...backends.urls,
      extraEnv: { RESULT_URL: result.url },
    });
    apps.push(
      await appProcess('worker', env),
      await appProcess('vote', env),
      result,
    );
    await apps[0]!.start(); // runs the migrations
    await Promise.all(apps.slice(1).map(app => app.start()));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(apps.map(app => app.stop()));
    await backends?.destroy();
  });

  it('votes, sees the results page update without a reload, and is told it already voted', async () => {
    const [worker, vote, result] = apps as [AppProcess, AppProcess, AppProcess];
    void worker;
    const errors: string[] = [];
    const resultsPage = await browser.context.newPage();
    resultsPage.on('pageerror', error => errors.push(error.message));
    resultsPage.on(
      'console',
      message => message.type() === 'error' && errors.push(message.text()),
    );
    await resultsPage.goto(result.url);
    assert.equal(
      await resultsPage.locator('#total').textContent(),
      'No votes yet',
    );
    let reloaded = false;
    resultsPage.on('framenavigated', () => (reloaded = true));

    const votePage = await browser.context.newPage();
    votePage.on('pageerror', error => errors.push(error.message));
    await votePage.goto(vote.url);
    assert.equal(
      await votePage.locator('#status').textContent(),
      'You have not voted yet. Each person votes once.',
    );

    // Keyboard only: the buttons are reachable and usable without a mouse.
    await votePage.locator('button[value="a"]').focus();
    await votePage.keyboard.press('Enter');
    await votePage.waitForURL(/outcome=accepted/);
    assert.equal(
      await votePage.locator('#status').textContent(),
      'Thank you: your vote for Cats was counted.',
    );

    await resultsPage
      .locator('#total')
      .filter({ hasText: '1 vote' })
      .waitFor({ timeout: 10_000 });
    assert.equal(
      await resultsPage.locator('[data-option="a"] .percent').textContent(),
      '100%',
    );
    assert.equal(
      await resultsPage.locator('[data-option="a"] .votes').textContent(),
      '1',
    );
    assert.equal(reloaded, false, 'the results page updated in place');

    await votePage.locator('button[value="b"]').click();
    await votePage.waitForURL(/outcome=already-voted/);
    assert.equal(
      await votePage.locator('#status').textContent(),
      'You already voted for Cats. Each person votes once, so your first vote stands.',
    );
    await votePage
      .getByRole('link', { name: 'See the live results' })
      .waitFor();
    assert.deepEqual(
      await accessibilityViolations(votePage),
      [],
      'the vote page meets WCAG 2.1 AA',
    );
    assert.deepEqual(
      await accessibilityViolations(resultsPage),
      [],
      'the results page meets WCAG 2.1 AA',
    );
    assert.deepEqual(errors, [], 'no errors in the browser console');
  });
});
