import type { Config } from '@backstage/config';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The Helm binary: `kubernetes.helmBinary` from the config, else the pinned one that
 * `test/k8s/install-helm.sh` puts in ${XDG_CACHE_HOME:-~/.cache}/voting-platform/helm/<v>/bin, else
 * `helm` on the PATH.
 */
export function findHelm(config?: Config): string {
  const configured = config?.getOptionalString('kubernetes.helmBinary');
  if (configured) {
    if (!existsSync(configured)) throw new Error(`kubernetes.helmBinary points at ${configured}, which does not exist`);
    return configured;
  }
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'voting-platform', 'helm');
  if (existsSync(dir)) {
    const versions = readdirSync(dir).sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
    for (const v of versions) {
      const helm = join(dir, v, 'bin', 'helm');
      if (existsSync(helm)) return helm;
    }
  }
  return 'helm';
}

export interface HelmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs helm with an environment of its own (kubeconfig, cache, config and data dirs in `home`). */
export function runHelm(helm: string, args: string[], env: { kubeconfig: string; home: string }, signal?: AbortSignal): Promise<HelmResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(helm, args, {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: env.home,
        KUBECONFIG: env.kubeconfig,
        HELM_CACHE_HOME: join(env.home, 'cache'),
        HELM_CONFIG_HOME: join(env.home, 'config'),
        HELM_DATA_HOME: join(env.home, 'data'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => {
      stdout += d;
    });
    child.stderr.on('data', d => {
      stderr += d;
    });
    child.on('error', err => reject(new Error(`could not run Helm (${helm}): ${err.message}; set kubernetes.helmBinary`)));
    child.on('close', code => resolve({ code, stdout, stderr }));
  });
}

/** Deep merge of plain objects (arrays and scalars of `over` replace those of `base`). */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)
        ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
