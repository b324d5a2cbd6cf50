import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApiClient } from 'dots-wrapper';
import {
  Contract,
  ContractViolationError,
  DigitalOceanEmulator,
  formatCoverage,
  readCoverage,
  specPath,
  startSandbox,
  type Sandbox,
} from './index';
import { repoRoot, SPEC_FILES } from './paths';

describe('the spec files', () => {
  for (const provider of ['digitalocean', 'cloudflare'] as const) {
    it(`${provider}: the subset is a valid OpenAPI document`, async () => {
      const validator = new Validator();
      const result = await validator.validate(
        JSON.parse(readFileSync(specPath(provider), 'utf8')),
      );
      assert.equal(
        result.valid,
        true,
        JSON.stringify(result.errors, null, 2)?.slice(0, 2000),
      );
      assert.equal(validator.version, '3.0');
    });
  }

  it("are the project's shared contracts, unchanged, wherever shared/specs sits beside the repository", () => {
    const shared = join(repoRoot(), '..', 'shared', 'specs');
    for (const provider of ['digitalocean', 'cloudflare'] as const) {
      const shipped = readFileSync(specPath(provider));
      const original = join(shared, SPEC_FILES[provider]);
      // Outside the project's own machines there is no shared/ folder: the shipped copy is all there is.
      if (existsSync(original))
        assert.ok(
          shipped.equals(readFileSync(original)),
          `${provider} spec differs from ${original}`,
        );
      else assert.ok(shipped.length > 100_000, `${provider} spec is shipped`);
    }
  });

  it('list the operations the README names (65 DigitalOcean, 14 Cloudflare)', async () => {
    assert.equal((await Contract.load('digitalocean')).operations.length, 65);
    assert.equal((await Contract.load('cloudflare')).operations.length, 14);
  });
});

describe('contract checks', () => {
  let sandbox: Sandbox;
  let coverageDir: string;
  const doFetch = (path: string, init: RequestInit = {}) =>
    fetch(`${sandbox.digitalocean.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${sandbox.digitalocean.token}`,
        'content-type': 'application/json',
        ...init.headers,
      },
    });

  beforeAll(async () => {
    coverageDir = mkdtempSync(join(tmpdir(), 'cloud-sandbox-coverage-'));
    sandbox = await startSandbox({
      coverageDir,
      logViolations: false,
      cloudflare: { zones: ['example.com'] },
    });
  });
  afterAll(async () => {
    await sandbox.stop();
    rmSync(coverageDir, { recursive: true, force: true });
  });

  it('a request that breaks the spec is answered 400 and recorded; assertNoViolations then throws', async () => {
    sandbox.digitalocean.clearViolations();
    // region is required, node pool count must be an integer
    const res = await doFetch('/kubernetes/clusters', {
      method: 'POST',
      body: JSON.stringify({
        name: 'bad',
        version: 'latest',
        node_pools: [{ name: 'p', size: 's-1vcpu-2gb', count: 'two' }],
      }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { id: string; message: string };
    assert.equal(body.id, 'bad_request');
    assert.equal(res.headers.get('x-cloud-sandbox-violation'), 'request');
    const [violation] = sandbox.digitalocean.violations;
    assert.equal(violation?.kind, 'request');
    assert.equal(violation?.operationId, 'kubernetes_create_cluster');
    assert.ok(
      violation?.errors.some(e => e.includes("'region'")),
      violation?.errors.join('\n'),
    );
    assert.ok(
      violation?.errors.some(e => e.includes('count')),
      violation?.errors.join('\n'),
    );
    assert.throws(() => sandbox.assertNoViolations(), ContractViolationError);
    sandbox.digitalocean.clearViolations();
  });

  it('a malformed id in the path and an out-of-range query are violations too', async () => {
    assert.equal(
      (await doFetch('/kubernetes/clusters/not-a-uuid')).status,
      400,
    );
    assert.equal(
      (await doFetch('/kubernetes/clusters?per_page=500')).status,
      400,
    );
    assert.deepEqual(
      sandbox.digitalocean.violations.map(v => v.kind),
      ['request', 'request'],
    );
    sandbox.digitalocean.clearViolations();
  });

  it('a route no spec operation matches is reported', async () => {
    const res = await doFetch('/droplets');
    assert.equal(res.status, 404);
    const cf = await fetch(`${sandbox.cloudflare.url}/accounts`, {
      headers: { authorization: `Bearer ${sandbox.cloudflare.token}` },
    });
    assert.equal(cf.status, 404);
    assert.deepEqual(
      sandbox.violations().map(v => [v.provider, v.kind, v.path]),
      [
        ['digitalocean', 'unmatched-route', '/v2/droplets'],
        ['cloudflare', 'unmatched-route', '/client/v4/accounts'],
      ],
    );
    sandbox.digitalocean.clearViolations();
    sandbox.cloudflare.clearViolations();
  });

  it('a response that breaks the spec is caught and fails loudly (500 to the caller)', async () => {
    const api = createApiClient({
      token: sandbox.digitalocean.token,
      endpoint: sandbox.digitalocean.url,
    });
    sandbox.digitalocean.override('kubernetes_list_clusters', () => ({
      status: 200,
      body: {
        kubernetes_clusters: [{ name: 'no-region' }],
        links: {},
        meta: { total: 1 },
      },
    }));
    try {
      await assert.rejects(
        api.kubernetes.listKubernetesClusters({}),
        (err: {
          response?: {
            status: number;
            headers: Record<string, string>;
            data: { message: string };
          };
        }) => {
          assert.equal(err.response?.status, 500);
          assert.equal(
            err.response?.headers['x-cloud-sandbox-violation'],
            'response',
          );
          assert.match(
            err.response?.data.message ?? '',
            /breaks the digitalocean contract/,
          );
          return true;
        },
      );
    } finally {
      sandbox.digitalocean.override('kubernetes_list_clusters', undefined);
    }
    const [violation] = sandbox.digitalocean.violations;
    assert.equal(violation?.kind, 'response');
    assert.ok(violation?.errors.some(e => e.includes("'region'")));
    sandbox.digitalocean.clearViolations();
  });

  it('a status the operation does not declare is a violation (Cloudflare declares 200 and 4XX only)', async () => {
    sandbox.cloudflare.override('zones-get', () => ({
      status: 502,
      body: {
        success: false,
        errors: [{ code: 1000, message: 'x' }],
        messages: [],
        result: null,
      },
    }));
    const res = await fetch(`${sandbox.cloudflare.url}/zones`, {
      headers: { authorization: `Bearer ${sandbox.cloudflare.token}` },
    });
    sandbox.cloudflare.override('zones-get', undefined);
    assert.equal(res.status, 500);
    assert.equal(sandbox.cloudflare.violations[0]?.kind, 'undeclared-status');
    sandbox.cloudflare.clearViolations();
  });

  it('an emulator that throws is reported like a violation', async () => {
    sandbox.digitalocean.override('account_get', () => {
      throw new Error('boom');
    });
    const res = await doFetch('/account');
    sandbox.digitalocean.override('account_get', undefined);
    assert.equal(res.status, 500);
    assert.match(
      sandbox.digitalocean.violations[0]?.errors[0] ?? '',
      /the emulator failed: Error: boom/,
    );
    sandbox.digitalocean.clearViolations();
  });

  it('serving an operation the spec does not have is refused at start', async () => {
    class Extra extends DigitalOceanEmulator {
      protected override handlers() {
        return {
          ...super.handlers(),
          droplets_list: () => ({ status: 200, body: {} }),
        };
      }
    }
    await assert.rejects(
      new Extra({ coverageDir: false }).start(),
      /droplets_list, which is not an operation of the spec/,
    );
  });

  it('writes coverage on stop and prints it as a table', async () => {
    const api = createApiClient({
      token: sandbox.digitalocean.token,
      endpoint: sandbox.digitalocean.url,
    });
    await api.account.getAccount();
    const report = sandbox.digitalocean.coverage();
    assert.equal(report.total, 65);
    assert.ok(
      report.operations.find(o => o.operationId === 'account_get')!.calls >= 1,
    );
    const extra = new DigitalOceanEmulator({ coverageDir });
    await extra.start();
    await createApiClient({
      token: extra.token,
      endpoint: extra.url,
    }).account.getAccount();
    await extra.stop();
    const files = readdirSync(coverageDir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^digitalocean-\d+-\d+-[0-9a-f]{8}\.json$/);
    const [merged] = readCoverage(coverageDir);
    assert.equal(merged?.exercised, 1);
    const table = formatCoverage(readCoverage(coverageDir));
    assert.match(table, /^digitalocean: 1\/65 operations exercised \(2%\)$/m);
    assert.match(table, /✓ GET \/v2\/account +1 {2}200×1/);
  });
});
