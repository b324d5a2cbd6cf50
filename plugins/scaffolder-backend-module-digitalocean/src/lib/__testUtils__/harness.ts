/**
 * Test harness of this module: the cloud sandbox (contract-checked), a manual clock the actions
 * sleep on, and the client options that point at them. Running actions, crashes after a
 * checkpoint and the secret check come from the shared test kit.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ManualClock, useSandbox } from '@voting-platform/cloud-sandbox';
import {
  assertNoSecrets,
  runAction,
  waitForAnswers,
} from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import type { DigitalOceanClientOptions } from '@voting-platform/plugin-digitalocean-node';

export {
  Crash,
  type RunOptions,
  type RunResult,
} from '@voting-platform/plugin-scaffolder-actions-node/testUtils';

export function createHarness() {
  const clock = new ManualClock();
  const env = useSandbox(
    { beforeAll, afterAll, afterEach },
    { clock, coverageDir: false, cloudflare: { zones: ['example.com'] } },
  );
  // the actions sleep on the same manual clock the emulators read: a wait costs no real time
  const sleeps = clock.sleeps;
  afterEach(() => {
    sleeps.length = 0;
  });

  function options(
    config: Record<string, unknown> = {},
  ): DigitalOceanClientOptions {
    const { digitalocean } = env.sandbox;
    return {
      config: mockServices.rootConfig({
        data: {
          digitalocean: {
            token: digitalocean.token,
            apiUrl: digitalocean.url,
            requestTimeoutMs: 5000,
            ...config,
          },
        },
      }),
      clock,
      retry: { retries: 3, minDelayMs: 1000 },
    };
  }

  /** Runs an action as the scaffolder does (see runAction of the shared test kit). */
  const run = runAction;

  /** Calls of one operation the emulator served (faults included). */
  const calls = (
    operationId: string,
    provider: 'digitalocean' | 'cloudflare' = 'digitalocean',
  ) =>
    env.sandbox[provider].requests.filter(r => r.operationId === operationId)
      .length;

  /** Every secret the sandbox handed out, and its tokens. */
  const secrets = () => [
    env.sandbox.digitalocean.token,
    env.sandbox.cloudflare.token,
    env.sandbox.cloudflare.serviceKey,
    ...env.sandbox.digitalocean.secrets(),
  ];

  /** Fails if any secret appears in the text. */
  const expectNoSecrets = (...texts: unknown[]) =>
    assertNoSecrets(secrets(), ...texts);

  /** Waits for requests the client gave up on (slow-answer faults) to be answered before the sandbox stops. */
  const settle = () => waitForAnswers(env.sandbox.digitalocean.requests);

  return {
    clock,
    env,
    sleeps,
    options,
    run,
    calls,
    secrets,
    expectNoSecrets,
    settle,
  };
}
