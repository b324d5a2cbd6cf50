import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The kernel's ephemeral port range (Linux), where listen(0) and outgoing connections get ports. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync(
      '/proc/sys/net/ipv4/ip_local_port_range',
      'utf8',
    )
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low! > 0 && high! >= low!) return [low!, high!];
  } catch {
    // not Linux: the IANA range, which macOS and Windows use
  }
  return [49152, 65535];
}

/** The lowest port handed out: above the well-known and usual registered ones. */
const LOWEST = 15000;

function canListen(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

/**
 * A TCP port free on 127.0.0.1 a moment ago, for a server this process starts later (a control
 * plane, a backend, a database). It is picked at random below the kernel's ephemeral range: the
 * ports the OS hands to any process's listen(0) or outgoing connection come from that range, so
 * none of them can take this one between the check and its use, as happened with ports the OS
 * picked (a suite's backend lost its port to a server of the suite running beside it).
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const highest = Math.max(LOWEST + 1000, ephemeralLow - 1);
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(
    `no free port on 127.0.0.1 between ${LOWEST} and ${highest} after 100 tries`,
  );
}
