/**
 * A suite that needs the control plane and finds it missing fails at once, saying how to build
 * it; nothing in a test ever starts the build (minutes on a fresh machine, longer than any hook's
 * time limit). Run with an empty cache folder, as on a new machine.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane } from '@voting-platform/local-kubernetes';

const root = join(import.meta.dirname, '../..');
const emptyCache = mkdtempSync(join(tmpdir(), 'voting-empty-cache-'));
const onNewMachine = { ...process.env, XDG_CACHE_HOME: emptyCache };

describe('without a built control plane', () => {
  afterAll(() => rmSync(emptyCache, { recursive: true, force: true }));

  test('build.sh --check exits 3 and says how to build, building nothing', () => {
    const started = Date.now();
    const check = spawnSync(
      'bash',
      [join(root, 'packages/local-kubernetes/build.sh'), '--check'],
      {
        env: onNewMachine,
        encoding: 'utf8',
      },
    );
    assert.equal(check.status, 3, check.stderr);
    assert.match(
      check.stderr,
      /build it with: {2}bash packages\/local-kubernetes\/build\.sh/,
    );
    assert.match(check.stderr, /npm test/);
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(
      readdirSync(emptyCache),
      [],
      'nothing was built or downloaded',
    );
  });

  test('install-helm.sh --check exits 3 and says how to install', () => {
    const check = spawnSync(
      'bash',
      [join(root, 'packages/local-kubernetes/install-helm.sh'), '--check'],
      { env: onNewMachine, encoding: 'utf8' },
    );
    assert.equal(check.status, 3, check.stderr);
    assert.match(
      check.stderr,
      /run {2}bash packages\/local-kubernetes\/install-helm\.sh/,
    );
  });

  test('control-plane.sh start --no-build (what the jest suites call) fails at once with that message', () => {
    const state = mkdtempSync(join(tmpdir(), 'voting-k8s-state-'));
    try {
      const started = Date.now();
      const start = spawnSync(
        'bash',
        [
          join(root, 'packages/local-kubernetes/control-plane.sh'),
          'start',
          '--no-build',
        ],
        {
          env: { ...onNewMachine, K8S_LOCAL_STATE: state },
          encoding: 'utf8',
        },
      );
      assert.notEqual(start.status, 0);
      assert.match(start.stderr, /not built/);
      assert.ok(Date.now() - started < 10_000, 'it must not wait for a build');
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  test('startControlPlane() (what the node suites call) rejects at once, naming the build command', async () => {
    const previous = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = emptyCache;
    try {
      await assert.rejects(
        startControlPlane(),
        /not built .*bash packages\/local-kubernetes\/build\.sh/s,
      );
    } finally {
      if (previous === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = previous;
    }
  });
});
