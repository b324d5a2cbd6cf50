import type { Sandbox } from '@voting-platform/cloud-sandbox';
import {
  spawnBackend,
  waitBackendReady,
  type BackendOptions,
} from '../../scripts/lib/portal.js';

export interface PortalBackend {
  /** Everything the backend wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, and waits until the process is gone. */
  stop(): Promise<void>;
}

/**
 * The portal backend as a child process, its output kept for assertions (and printed when it
 * does not get ready), ready when this resolves.
 */
export async function startPortalBackend(
  baseUrl: string,
  options: Omit<BackendOptions, 'stdio'>,
): Promise<PortalBackend> {
  const child = spawnBackend({ ...options, stdio: 'pipe' });
  let output = '';
  child.stdout!.on('data', chunk => (output += chunk));
  child.stderr!.on('data', chunk => (output += chunk));
  const backend: PortalBackend = {
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise(resolve => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
  try {
    await waitBackendReady(baseUrl, child, 120_000, () =>
      /EADDRINUSE/.test(output)
        ? `its port (${new URL(baseUrl).port}) is in use (EADDRINUSE)`
        : undefined,
    );
  } catch (error) {
    console.log(output);
    await backend.stop();
    throw error;
  }
  return backend;
}

/** The app-config that points the DigitalOcean and Cloudflare actions at the emulators. */
export function sandboxConfig(sandbox: Sandbox) {
  const { digitalocean, cloudflare } = sandbox;
  return {
    digitalocean: { apiUrl: digitalocean.url, token: digitalocean.token },
    cloudflare: { apiUrl: cloudflare.url, apiToken: cloudflare.token },
  };
}
