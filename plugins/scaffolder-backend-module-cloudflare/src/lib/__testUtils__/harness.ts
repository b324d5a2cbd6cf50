/**
 * Test harness of this module: the cloud sandbox (contract-checked) and the options that point
 * the actions at it; with `cluster: true`, a real local control plane behind one emulated
 * DigitalOcean cluster (where the origin certificate's TLS Secret is kept). Running actions,
 * crashes after a checkpoint and the secret check come from the shared test kit.
 */
import { mockServices } from '@backstage/backend-test-utils';
import {
  ManualClock,
  useSandbox,
  type CloudflareEmulator,
} from '@voting-platform/cloud-sandbox';
import {
  assertNoSecrets,
  runAction,
  waitForAnswers,
} from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import {
  serveAtDigitalOcean,
  startLocalCluster,
  type LocalCluster,
} from '@voting-platform/plugin-kubernetes-node/testUtils';
import type { CloudflareActionOptions } from '../client';

export {
  Crash,
  type RunOptions,
  type RunResult,
} from '@voting-platform/plugin-scaffolder-actions-node/testUtils';

type ValueOf<M> = M extends Map<string, infer V> ? V : never;
type Zone = ValueOf<CloudflareEmulator['zones']>;
type DnsRecord = ValueOf<CloudflareEmulator['records']>;

export function createHarness(setup: { cluster?: boolean } = {}) {
  const clock = new ManualClock();
  const env = useSandbox(
    { beforeAll, afterAll, afterEach },
    {
      clock,
      coverageDir: false,
      cloudflare: { zones: ['example.com', 'example.org'] },
    },
  );
  const state: { cluster?: LocalCluster; clusterId?: string } = {};
  if (setup.cluster) {
    beforeAll(async () => {
      state.cluster = await startLocalCluster();
      state.clusterId = await serveAtDigitalOcean(
        env.sandbox.digitalocean,
        state.cluster,
        'origin-tls',
      );
      // the emulated cluster is running once its provisioning time has passed
      clock.advance(10 * 60_000);
    });
    afterAll(() => state.cluster?.stop());
  }

  function options(
    config: Record<string, unknown> = {},
  ): CloudflareActionOptions {
    const { cloudflare, digitalocean } = env.sandbox;
    return {
      config: mockServices.rootConfig({
        data: {
          cloudflare: {
            apiToken: cloudflare.token,
            apiUrl: cloudflare.url,
            requestTimeoutMs: 5000,
            ...config,
          },
          digitalocean: { token: digitalocean.token, apiUrl: digitalocean.url },
        },
      }),
    };
  }

  /** Runs an action as the scaffolder does (see runAction of the shared test kit). */
  const run = runAction;

  const calls = (operationId: string) =>
    env.sandbox.cloudflare.requests.filter(r => r.operationId === operationId)
      .length;
  const zone = (name = 'example.com'): Zone =>
    [...env.sandbox.cloudflare.zones.values()].find(z => z.name === name)!;
  const records = (name: string): DnsRecord[] =>
    [...env.sandbox.cloudflare.records.values()].filter(r => r.name === name);

  /** Fails if the token (or the Origin CA key) appears in the text. */
  const expectNoSecrets = (...texts: unknown[]) =>
    assertNoSecrets(
      [
        env.sandbox.cloudflare.token,
        env.sandbox.cloudflare.serviceKey,
        env.sandbox.digitalocean.token,
      ],
      ...texts,
    );

  /** Waits for requests the client gave up on (slow-answer faults) to be answered before the sandbox stops. */
  const settle = () => waitForAnswers(env.sandbox.cloudflare.requests);

  return {
    env,
    options,
    run,
    calls,
    zone,
    records,
    expectNoSecrets,
    settle,
    /** The local control plane (with `cluster: true`), once `beforeAll` ran. */
    get cluster() {
      return state.cluster!;
    },
    /** Its id at the DigitalOcean emulator. */
    get clusterId() {
      return state.clusterId!;
    },
  };
}
