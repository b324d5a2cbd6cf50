/** Test-runner glue: jest's `beforeAll`/`afterAll`/`afterEach`, passed in by the test file. */
import { ContractViolationError } from './emulator';
import { startSandbox, type Sandbox, type SandboxOptions } from './sandbox';

type Hook = (fn: () => unknown) => unknown;

export interface TestHooks {
  /** runs once before the tests */
  beforeAll: Hook;
  /** runs once after the tests */
  afterAll: Hook;
  /** after each test: no contract violation may have happened, and faults are cleared */
  afterEach?: Hook;
}

/**
 * Starts both emulators for a test file and checks the contract after every test:
 *
 *   const env = useSandbox({ beforeAll, afterAll, afterEach }, { clock, cloudflare: { zones: ['example.com'] } });
 *   it('...', async () => { const { digitalocean } = env.sandbox; ... });
 */
export function useSandbox(
  hooks: TestHooks,
  options: SandboxOptions = {},
): { readonly sandbox: Sandbox } {
  let current: Sandbox | undefined;
  hooks.beforeAll(async () => {
    current = await startSandbox(options);
  });
  hooks.afterAll(async () => {
    await current?.stop();
    current = undefined;
  });
  hooks.afterEach?.(() => {
    if (!current) return;
    current.digitalocean.faults.clear();
    current.cloudflare.faults.clear();
    const violations = current.violations();
    current.digitalocean.clearViolations();
    current.cloudflare.clearViolations();
    if (violations.length > 0) {
      throw new ContractViolationError(violations);
    }
  });
  return {
    get sandbox(): Sandbox {
      if (!current)
        throw new Error(
          'the sandbox is started in beforeAll: use env.sandbox inside tests',
        );
      return current;
    },
  };
}
