/** Both emulators together. */
import type { Clock } from './clock';
import { CloudflareEmulator, type CloudflareOptions } from './cloudflare';
import type { ContractViolation } from './contract';
import { DigitalOceanEmulator, type DigitalOceanOptions } from './digitalocean';
import { ContractViolationError, type CoverageReport } from './emulator';

export interface SandboxOptions {
  /** Clock for both emulators (a ManualClock in tests; real time by default). */
  clock?: Clock;
  digitalocean?: DigitalOceanOptions;
  cloudflare?: CloudflareOptions;
  /** Applies to both unless set per provider. */
  coverageDir?: string | false;
  strictResponses?: boolean;
  logViolations?: boolean;
}

export interface Sandbox {
  readonly digitalocean: DigitalOceanEmulator;
  readonly cloudflare: CloudflareEmulator;
  /** Violations of both emulators. */
  violations(): ContractViolation[];
  /** Throws a ContractViolationError when either emulator recorded a violation. */
  assertNoViolations(): void;
  coverage(): CoverageReport[];
  /** Stops both servers (and writes their coverage files). */
  stop(): Promise<void>;
}

/** Starts both emulators on free ports of 127.0.0.1 (or the ports given). */
export async function startSandbox(
  options: SandboxOptions = {},
): Promise<Sandbox> {
  const shared = {
    clock: options.clock,
    coverageDir: options.coverageDir,
    strictResponses: options.strictResponses,
    logViolations: options.logViolations,
  };
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(
      Object.entries(o).filter(([, v]) => v !== undefined),
    ) as Partial<T>;
  const digitalocean = new DigitalOceanEmulator({
    ...defined(shared),
    ...options.digitalocean,
  });
  const cloudflare = new CloudflareEmulator({
    ...defined(shared),
    ...options.cloudflare,
  });
  await Promise.all([digitalocean.start(), cloudflare.start()]);
  const violations = () => [
    ...digitalocean.violations,
    ...cloudflare.violations,
  ];
  const sandbox: Sandbox = {
    digitalocean,
    cloudflare,
    violations,
    assertNoViolations() {
      const all = violations();
      if (all.length > 0) throw new ContractViolationError(all);
    },
    coverage: () => [digitalocean.coverage(), cloudflare.coverage()],
    stop: async () => {
      await Promise.all([digitalocean.stop(), cloudflare.stop()]);
    },
  };
  return sandbox;
}
