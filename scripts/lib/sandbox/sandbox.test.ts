/**
 * Which mode `npm start` picks, that the cloud mode's config carries no token, and what it says
 * when the control plane is not built and cannot be.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  cloudConfig,
  cloudCredentialsGiven,
  sandboxBackendConfig,
} from './index.js';
import { NO_MACHINE_ADDRESS } from '@voting-platform/cloud-sandbox';
import { controlPlaneAvailability, NO_GO_MESSAGE } from './tools.js';

describe('sandbox or cloud', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-mode-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const plain = config(
    'plain.yaml',
    'app:\n  title: x\ndigitalocean:\n  apiUrl: http://x/v2\n',
  );

  it('is the sandbox without a token in the environment or the config', () => {
    assert.equal(
      cloudCredentialsGiven({}, [plain, join(dir, 'missing.yaml')]),
      false,
    );
  });

  it('is the cloud with DIGITALOCEAN_TOKEN or CLOUDFLARE_API_TOKEN', () => {
    assert.equal(
      cloudCredentialsGiven({ DIGITALOCEAN_TOKEN: 't' }, [plain]),
      true,
    );
    assert.equal(
      cloudCredentialsGiven({ CLOUDFLARE_API_TOKEN: 't' }, [plain]),
      true,
    );
  });

  it('is the cloud with a token in app-config', () => {
    const withDo = config(
      'do.yaml',
      'digitalocean:\n  apiUrl: http://x/v2\n  token: ${DO}\n',
    );
    const withCf = config('cf.yaml', 'cloudflare:\n\n  apiToken: abc\n');
    const elsewhere = config('else.yaml', 'other:\n  token: abc\n');
    assert.equal(cloudCredentialsGiven({}, [withDo]), true);
    assert.equal(cloudCredentialsGiven({}, [withCf]), true);
    assert.equal(cloudCredentialsGiven({}, [elsewhere]), false);
  });

  it('the cloud config takes the tokens from the environment, never writing one', () => {
    const file = cloudConfig(dir, {
      DIGITALOCEAN_TOKEN: 'dop_v1_secret',
      CLOUDFLARE_API_TOKEN: 'cf_secret',
    });
    const text = readFileSync(file, 'utf8');
    assert.match(text, /token: \$\{DIGITALOCEAN_TOKEN\}/);
    assert.match(text, /apiToken: \$\{CLOUDFLARE_API_TOKEN\}/);
    assert.doesNotMatch(text, /secret/);
  });
});

describe("the sandbox's backend config", () => {
  const parts = {
    digitalocean: {
      url: 'http://127.0.0.1:7101/v2',
      token: 'dop_v1_sandbox_local',
    },
    cloudflare: { url: 'http://127.0.0.1:7102/client/v4', token: 'cf' },
    localStack: {
      voteUrl: 'http://localhost:8080',
      resultUrl: 'http://localhost:8081',
    },
  };

  it('points the voting backend at the local stack for every environment', () => {
    const config = parse(sandboxBackendConfig(parts));
    assert.deepEqual(config.voting, {
      sandbox: {
        voteUrl: 'http://localhost:8080',
        resultUrl: 'http://localhost:8081',
      },
    });
    assert.equal(config.app.sandbox, true);
    assert.equal(config.kubernetesActions, undefined, 'no chart repository');
  });

  it("tells the alerts section why, when the clusters' Prometheus stand-in cannot be reached", () => {
    const config = parse(
      sandboxBackendConfig({ ...parts, alertsUnavailable: NO_MACHINE_ADDRESS }),
    );
    assert.equal(config.voting.sandbox.alertsUnavailable, NO_MACHINE_ADDRESS);
    assert.match(
      NO_MACHINE_ADDRESS,
      /this machine has no non-loopback IPv4 address/,
    );
  });

  it('carries the Helm presets when there is a chart repository', () => {
    const helm = { allowedRepositories: ['http://127.0.0.1:7103'] };
    const config = parse(sandboxBackendConfig({ ...parts, helm }));
    assert.deepEqual(config.kubernetesActions, { helm });
  });
});

describe('without a built control plane and without Go', () => {
  it('says so first, and clusters are told why and how to get one', () => {
    const emptyCache = mkdtempSync(join(tmpdir(), 'sandbox-no-build-'));
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = emptyCache; // as on a new machine
    try {
      const said: string[] = [];
      const hooks: Array<() => void> = [];
      const availability = controlPlaneAvailability(
        emptyCache,
        message => said.push(message),
        hooks,
        undefined, // no Go
      );
      assert.deepEqual(availability(), { missing: NO_GO_MESSAGE });
      assert.match(said.join('\n'), /needs Go >= 1\.26/);
      assert.match(
        said.join('\n'),
        /bash packages\/local-kubernetes\/build\.sh/,
      );
      assert.match(said.join('\n'), /Kubernetes steps will fail/);
      assert.deepEqual(hooks, [], 'no build was started');
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
      rmSync(emptyCache, { recursive: true, force: true });
    }
  });
});
