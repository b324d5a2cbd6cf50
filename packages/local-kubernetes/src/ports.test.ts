import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort } from './ports.js';

const [ephemeralLow] = readFileSync(
  '/proc/sys/net/ipv4/ip_local_port_range',
  'utf8',
)
  .trim()
  .split(/\s+/)
  .map(Number);

describe('freePort', () => {
  it("picks ports below the kernel's ephemeral range, where no listen(0) can take them", async () => {
    const ports = await Promise.all(Array.from({ length: 200 }, freePort));
    for (const port of ports) {
      assert.ok(port >= 15000 && port < ephemeralLow!, String(port));
    }
    // random, not the same few
    assert.ok(new Set(ports).size > 150, `${new Set(ports).size} distinct`);
  });

  it('answers a port a server can listen on, while listen(0) gets ports from the other range', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>(resolve =>
      server.listen(port, '127.0.0.1', resolve),
    );
    const other = createServer();
    await new Promise<void>(resolve => other.listen(0, '127.0.0.1', resolve));
    const picked = (other.address() as { port: number }).port;
    assert.ok(picked >= ephemeralLow!, `listen(0) got ${picked}`);
    await new Promise(resolve => other.close(resolve));
    await new Promise(resolve => server.close(resolve));
  });
});
