import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { freePort } from '../../test/support/ports.js';
import { ensureServices, planService, serviceUrls } from './services.js';
import { installAdvice } from './system.js';
import { sleep } from '@voting-platform/timing';

describe('planService', () => {
  it('uses what answers, starts what is installed, installs what is missing, and never touches a remote server', () => {
    assert.equal(
      planService({ reachable: true, installed: false, loopback: false }),
      'use',
    );
    assert.equal(
      planService({ reachable: false, installed: true, loopback: true }),
      'start',
    );
    assert.equal(
      planService({ reachable: false, installed: false, loopback: true }),
      'install-and-start',
    );
    assert.equal(
      planService({ reachable: false, installed: true, loopback: false }),
      'unreachable-remote',
    );
  });
});

describe('installAdvice', () => {
  it('names the packages, the apt command and the Docker alternative', () => {
    const advice = installAdvice(
      ['postgresql', 'redis-server'],
      'the local voting stack',
    );
    assert.match(
      advice,
      /the local voting stack needs postgresql, redis-server, which are not installed/,
    );
    assert.match(advice, /sudo apt-get install -y postgresql redis-server/);
    assert.match(advice, /docker compose up -d/);
  });
});

describe('ensureServices', () => {
  const answers = (port: number) =>
    new Promise(resolve => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });

  it('starts an installed Redis that does not answer yet, where its URL points, and stops it again', async () => {
    const port = await freePort();
    const stateDir = mkdtempSync(join(tmpdir(), 'services-'));
    const url = `redis://127.0.0.1:${port}`;
    try {
      const stopStarted = await ensureServices(['redis'], stateDir, {
        ...serviceUrls,
        redis: url,
      });
      assert.equal(await answers(port), true);
      stopStarted();
      assert.equal(await answers(port), false);
    } finally {
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('starts a NATS server and stops it again; a server that was already running is left alone', async () => {
    const port = await freePort();
    const stateDir = mkdtempSync(join(tmpdir(), 'services-'));
    const urls = { ...serviceUrls, nats: `nats://127.0.0.1:${port}` };
    try {
      const stopStarted = await ensureServices(['nats'], stateDir, urls);
      assert.equal(await answers(port), true);
      const stopNothing = await ensureServices(['nats'], stateDir, urls);
      stopNothing();
      assert.equal(
        await answers(port),
        true,
        'the second call found it running and must not stop it',
      );
      stopStarted();
      for (let i = 0; i < 50 && (await answers(port)); i++) await sleep(100);
      assert.equal(await answers(port), false);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
