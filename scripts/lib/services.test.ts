import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { freePort } from '../../test/support/ports.js';
import { ensureServices, planService, serviceUrls } from './services.js';
import { installAdvice } from './system.js';

describe('planService', () => {
  it('uses what answers, starts what is installed, installs what is missing, and never touches a remote server', () => {
    assert.equal(planService({ reachable: true, installed: false, loopback: false }), 'use');
    assert.equal(planService({ reachable: false, installed: true, loopback: true }), 'start');
    assert.equal(planService({ reachable: false, installed: false, loopback: true }), 'install-and-start');
    assert.equal(planService({ reachable: false, installed: true, loopback: false }), 'unreachable-remote');
  });
});

describe('installAdvice', () => {
  it('names the packages, the apt command and the Docker alternative', () => {
    const advice = installAdvice(['postgresql', 'redis-server'], 'the local voting stack');
    assert.match(advice, /the local voting stack needs postgresql, redis-server, which are not installed/);
    assert.match(advice, /sudo apt-get install -y postgresql redis-server/);
    assert.match(advice, /docker compose up -d/);
  });
});

describe('ensureServices', () => {
  it('starts an installed Redis that does not answer yet, where its URL points', async () => {
    const port = await freePort();
    const stateDir = mkdtempSync(join(tmpdir(), 'services-'));
    const url = `redis://127.0.0.1:${port}`;
    try {
      await ensureServices(['redis'], stateDir, { ...serviceUrls, redis: url });
      const answered = await new Promise(resolve => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      assert.equal(answered, true);
    } finally {
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

});
