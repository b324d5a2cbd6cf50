/** How other packages consume this one: CommonJS (jest) and tsx, plus the CLI. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { sleep } from '@voting-platform/timing';

const pkgDir = join(__dirname, '..');

describe('package shape', () => {
  it('is a CommonJS node-library with main/types on src/index.ts', () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    assert.equal(pkg.name, '@voting-platform/cloud-sandbox');
    assert.equal(pkg.type, undefined);
    assert.equal(pkg.main, 'src/index.ts');
    assert.equal(pkg.types, 'src/index.ts');
    assert.deepEqual(pkg.backstage, { role: 'node-library' });
  });

  it('has no import.meta and no top-level await in its sources (subfolders included)', () => {
    const sources = readdirSync(__dirname, {
      recursive: true,
      encoding: 'utf8',
    }).filter(f => f.endsWith('.ts') && !/\.(test|jest)\.ts$/.test(f));
    assert.ok(
      sources.includes(join('digitalocean', 'index.ts')),
      "the emulators' subfolders are read",
    );
    for (const file of sources) {
      const source = readFileSync(join(__dirname, file), 'utf8');
      assert.ok(!source.includes('import.meta'), `${file} uses import.meta`);
      assert.ok(!/^await\s/m.test(source), `${file} has a top-level await`);
    }
  });

  it('loads with require() (CommonJS, as jest does) and starts both emulators', () => {
    const script = `
      const { startSandbox } = require(${JSON.stringify(
        join(pkgDir, 'src/index.ts'),
      )});
      startSandbox({ coverageDir: false, cloudflare: { zones: ['example.com'] } }).then(async s => {
        const res = await fetch(s.digitalocean.url + '/account', { headers: { authorization: 'Bearer ' + s.digitalocean.token } });
        console.log(typeof require, res.status, s.cloudflare.zones.size);
        await s.stop();
      });`;
    const out = spawnSync(
      process.execPath,
      ['--require', 'tsx/cjs', '-e', script],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout.trim(), 'function 200 1');
  });
});

describe('the CLI', () => {
  it('starts both emulators, prints URLs and tokens as JSON, stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(pkgDir, 'src/cli.ts'),
        '--json',
        '--no-coverage',
        '--zone',
        'example.com',
        '--zone',
        'example.org',
        '--delay-seconds',
        '0.2',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const line: string = await new Promise((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', code => reject(new Error(`cli exited ${code}`)));
      });
      const info = JSON.parse(line);
      assert.match(info.digitalocean.url, /^http:\/\/127\.0\.0\.1:\d+\/v2$/);
      assert.match(
        info.cloudflare.url,
        /^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/,
      );
      assert.deepEqual(
        info.cloudflare.zones.map((z: { name: string }) => z.name),
        ['example.com', 'example.org'],
      );
      const headers = {
        authorization: `Bearer ${info.digitalocean.token}`,
        'content-type': 'application/json',
      };
      const created = await fetch(
        `${info.digitalocean.url}/kubernetes/clusters`,
        {
          method: 'POST',
          headers,
          body: JSON.stringify({
            name: 'cli',
            region: 'nyc1',
            version: 'latest',
            node_pools: [{ name: 'p', size: 's-1vcpu-2gb', count: 1 }],
          }),
        },
      );
      const id = (
        (await created.json()) as { kubernetes_cluster: { id: string } }
      ).kubernetes_cluster.id;
      await sleep(300);
      const got = (await (
        await fetch(`${info.digitalocean.url}/kubernetes/clusters/${id}`, {
          headers,
        })
      ).json()) as { kubernetes_cluster: { status: { state: string } } };
      assert.equal(
        got.kubernetes_cluster.status.state,
        'running',
        'real time: running after the configured delay',
      );
      const zones = await fetch(
        `${info.cloudflare.url}/zones?name=example.org`,
        { headers: { authorization: `Bearer ${info.cloudflare.token}` } },
      );
      assert.equal(
        ((await zones.json()) as { result: unknown[] }).result.length,
        1,
      );
    } finally {
      const exited = new Promise<number | null>(resolve =>
        child.once('exit', resolve),
      );
      child.kill('SIGTERM');
      assert.equal(await exited, 0, 'no contract violations, exit 0');
    }
  });
});
