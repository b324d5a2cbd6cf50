/**
 * `npm start` without cloud credentials runs in sandbox mode: the emulators answer on their pinned
 * ports with the pinned tokens, `.cache/sandbox.json` says so (and lists a cluster made through the
 * API once its control plane is up), the portal is told (`app.sandbox`), and Ctrl-C (SIGINT to the
 * process group, as a terminal sends it) stops everything: no process of the run is left, the
 * control plane's files neither. Prints the time from start to ready.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '@voting-platform/timing';
import { findMarked, RUN_MARKER } from '../../scripts/lib/processes.js';
import { SANDBOX_DEFAULTS } from '../../scripts/lib/sandbox/index.js';
import { clusterSpec, eventually, repoRoot } from './helpers.js';

test('npm start in sandbox mode starts, then stops cleanly on Ctrl-C', async () => {
  const runId = randomUUID();
  const env: NodeJS.ProcessEnv = { ...process.env, [RUN_MARKER]: runId };
  delete env.DIGITALOCEAN_TOKEN;
  delete env.CLOUDFLARE_API_TOKEN;
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'scripts/start.ts'],
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  let kubeconfig: string | undefined;
  child.stdout.on('data', chunk => (output += chunk));
  child.stderr.on('data', chunk => (output += chunk));
  const exited = new Promise<number | null>(resolve =>
    child.on('exit', code => resolve(code)),
  );
  try {
    await waitUntil(
      () => {
        if (child.exitCode !== null)
          throw new Error(`npm start exited early:\n${output}`);
        return output.includes('press Ctrl-C to stop') || undefined;
      },
      {
        timeoutMs: 10 * 60_000,
        intervalMs: 200,
        timeoutMessage: () => `npm start not ready:\n${output}`,
      },
    );
    console.log(
      `npm start in sandbox mode: ready in ${(
        (Date.now() - started) /
        1000
      ).toFixed(1)} s`,
    );
    assert.match(output, /sandbox mode/);
    const info = JSON.parse(
      readFileSync(join(repoRoot, '.cache/sandbox.json'), 'utf8'),
    );
    assert.equal(
      info.digitalocean.url,
      `http://127.0.0.1:${SANDBOX_DEFAULTS.ports.digitalocean}/v2`,
    );
    assert.equal(info.digitalocean.token, SANDBOX_DEFAULTS.tokens.digitalocean);
    assert.deepEqual(info.clusters, {});
    const account = await fetch(`${info.digitalocean.url}/account`, {
      headers: { authorization: `Bearer ${info.digitalocean.token}` },
    });
    assert.equal(account.status, 200);
    const zones = await fetch(`${info.cloudflare.url}/zones`, {
      headers: { authorization: `Bearer ${info.cloudflare.token}` },
    });
    assert.equal(zones.status, 200);
    const backendConfig = readFileSync(
      join(repoRoot, '.cache/app-config.sandbox.yaml'),
      'utf8',
    );
    assert.match(backendConfig, /sandbox: true/);
    assert.match(backendConfig, /pollIntervalSeconds: 1/);
    assert.match(backendConfig, /resultUrl: http:\/\/localhost:8081/);
    // the frontend gets the flag its sidebar label reads
    const page = await (await fetch('http://127.0.0.1:7007/')).text();
    assert.match(page, /"sandbox":\s*true/);
    // kwok runs no containers: the local stack answers for the votes, and the answer says so
    const token = readFileSync(
      join(repoRoot, '.cache/backstage-script-token'),
      'utf8',
    ).trim();
    const votes = await eventually(
      'the results of the result component',
      async () => {
        const response = await fetch(
          'http://127.0.0.1:7007/api/voting/entities/component/default/result/results',
          { headers: { authorization: `Bearer ${token}` } },
        );
        return response.ok ? response.json() : undefined;
      },
    );
    assert.deepEqual(votes.servedBy, {
      kind: 'local-stack',
      voteUrl: 'http://localhost:8080',
      resultUrl: 'http://localhost:8081',
    });
    // a cluster made through the API gets its control plane, which Ctrl-C must stop as well
    const created = await fetch(
      `${info.digitalocean.url}/kubernetes/clusters`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${info.digitalocean.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(clusterSpec('start-test')),
      },
    );
    assert.equal(created.status, 201);
    const { kubernetes_cluster: cluster } = await created.json();
    kubeconfig = await eventually(
      'the cluster is in sandbox.json',
      () =>
        JSON.parse(readFileSync(join(repoRoot, '.cache/sandbox.json'), 'utf8'))
          .clusters[cluster.id],
      120_000,
    );
    assert.ok(existsSync(kubeconfig!));
    assert.ok(findMarked(runId).some(p => /kube-apiserver/.test(p.command)));
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
  }
  assert.equal(await exited, 0, output);
  assert.equal(
    existsSync(kubeconfig!),
    false,
    'the control plane left its files',
  );
  // what the run started goes with it (a last one may take a moment to be reaped)
  await waitUntil(() => findMarked(runId).length === 0 || undefined, {
    timeoutMs: 10_000,
    intervalMs: 200,
    timeoutMessage: () =>
      `left running: ${findMarked(runId)
        .map(p => p.command)
        .join('; ')}`,
  });
});
