import type { Config } from '@backstage/config';
import { CustomErrorBase, InputError } from '@backstage/errors';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { PRESET_NAMES, preset, type PresetName } from '../presets';

/** The config section of this module (`kubernetes` belongs to Backstage's Kubernetes plugin). */
export const CONFIG_ROOT = 'kubernetesActions';

/** A chart's name in its repository: no paths, no URLs. */
export const CHART_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A pinned chart version: an exact semantic version, never a range. */
export const PINNED = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

const tail = (text: string, lines = 12) =>
  text.trim().split('\n').slice(-lines).join('\n');

/**
 * Helm failed (it could not run, a release did not become ready, a read failed). The message
 * carries the end of Helm's own output with every secret the run knows of replaced by `***`
 * (the kubeconfig's token, generated passwords) and the task's temp folder, which holds the
 * kubeconfig and the values file, by `<task dir>`; never the values themselves.
 *
 * @public
 */
export class HelmError extends CustomErrorBase {
  constructor(
    message: string,
    options: { output?: string; secrets?: string[]; taskDir?: string } = {},
  ) {
    const { output, secrets = [], taskDir } = options;
    let text = output ? `${message}: ${tail(output)}` : message;
    for (const secret of secrets)
      if (secret) text = text.split(secret).join('***');
    if (taskDir) text = text.split(taskDir).join('<task dir>');
    super(text);
    this.name = 'HelmError';
  }
}

/** Where a preset's chart comes from: `kubernetesActions.helm.presets.<name>`, else the preset's own. */
export interface PresetChart {
  repositoryUrl: string;
  version: string;
}

export interface HelmSettings {
  /** The Helm binary: `kubernetesActions.helm.binary`, else `helm` on the PATH. */
  binary: string;
  /** Chart repositories charts may come from (normalised: no trailing slash). */
  allowedRepositories: string[];
  /** Repositories whose charts are read from a local folder instead (tests, through config only). */
  localChartRepositories: { url: string; directory: string }[];
  /** Each preset's repository and pinned version, config over the preset's defaults. */
  presets: Record<PresetName, PresetChart>;
}

const normalise = (url: string) => url.trim().replace(/\/+$/, '');

/** The repositories of the presets: the allow-list when none is configured. */
export const presetRepositories = () => [
  ...new Set(PRESET_NAMES.map(name => normalise(preset(name).repositoryUrl))),
];

/**
 * Helm settings from `kubernetesActions.helm`: the binary (config, else `helm` on the PATH; never
 * a build or test cache), each preset's chart repository and version (config, else the public
 * repository at the preset's pinned version), the allowed chart repositories (default: the
 * presets' repositories; a repository configured for a preset is always allowed) and, for tests,
 * repositories served from local folders. A bad value is an `InputError` naming the key.
 */
export function helmSettings(config?: Config): HelmSettings {
  const helm = config?.getOptionalConfig(`${CONFIG_ROOT}.helm`);
  const binary = helm?.getOptionalString('binary');
  if (binary !== undefined && !existsSync(binary)) {
    throw new InputError(
      `${CONFIG_ROOT}.helm.binary points at ${binary}, which does not exist`,
    );
  }
  const local = (
    helm?.getOptionalConfigArray('localChartRepositories') ?? []
  ).map(entry => ({
    url: normalise(entry.getString('url')),
    directory: entry.getString('directory'),
  }));
  for (const { directory } of local) {
    if (!isAbsolute(directory) || !existsSync(directory)) {
      throw new InputError(
        `${CONFIG_ROOT}.helm.localChartRepositories: ${directory} is not an existing absolute path`,
      );
    }
  }
  const configured: string[] = [];
  const presets = Object.fromEntries(
    PRESET_NAMES.map(name => {
      const key = `${CONFIG_ROOT}.helm.presets.${name}`;
      const own = helm?.getOptionalConfig(`presets.${name}`);
      const repository = own?.getOptionalString('repository');
      const version = own?.getOptionalString('version');
      if (repository !== undefined) {
        checkRepositoryUrl(repository, `${key}.repository`);
        configured.push(normalise(repository));
      }
      if (version !== undefined && !PINNED.test(version))
        throw new InputError(
          `${key}.version ${JSON.stringify(
            version,
          )} is not an exact chart version such as 1.2.3`,
        );
      const defaults = preset(name);
      return [
        name,
        {
          repositoryUrl: normalise(repository ?? defaults.repositoryUrl),
          version: version ?? defaults.version,
        },
      ];
    }),
  ) as Record<PresetName, PresetChart>;
  const allowed =
    helm?.getOptionalStringArray('allowedRepositories') ??
    Object.values(presets).map(p => p.repositoryUrl);
  return {
    binary: binary ?? 'helm',
    allowedRepositories: [
      ...new Set([...allowed.map(normalise), ...configured]),
    ],
    localChartRepositories: local,
    presets,
  };
}

/** An http(s) or oci URL without credentials (`what` names the field or key in the error). */
function checkRepositoryUrl(url: string, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`${what} ${url} is not a URL`);
  }
  if (
    !['https:', 'http:', 'oci:'].includes(parsed.protocol) ||
    parsed.username ||
    parsed.password
  ) {
    throw new InputError(
      `${what} ${url} must be an http(s) or oci URL without credentials`,
    );
  }
  return parsed;
}

export interface ChartSource {
  /** What `helm upgrade --install` gets as its chart argument. */
  chartRef: string;
  /** `--repo` for classic repositories; undefined for OCI and local charts. */
  repo?: string;
  /** True when the chart is a local folder (configured for tests): its version is checked first. */
  local: boolean;
}

/**
 * Where a chart comes from: a chart name in an allowed repository URL (https or oci). Local chart
 * paths never come from template input; a repository mapped to a local folder in config is
 * served from there.
 */
export function chartSource(
  settings: HelmSettings,
  chart: string,
  repositoryUrl: string,
): ChartSource {
  if (!CHART_NAME.test(chart)) {
    throw new InputError(
      `chart ${JSON.stringify(
        chart,
      )} is not a chart name: charts come from a repository (repositoryUrl), never from a path`,
    );
  }
  const url = normalise(repositoryUrl);
  const parsed = checkRepositoryUrl(url, 'repositoryUrl');
  if (!settings.allowedRepositories.includes(url)) {
    throw new InputError(
      `chart repository ${url} is not allowed: add it to ${CONFIG_ROOT}.helm.allowedRepositories (allowed: ${settings.allowedRepositories.join(
        ', ',
      )})`,
    );
  }
  const local = settings.localChartRepositories.find(r => r.url === url);
  if (local) return { chartRef: join(local.directory, chart), local: true };
  if (parsed.protocol === 'oci:')
    return { chartRef: `${url}/${chart}`, local: false };
  return { chartRef: chart, repo: url, local: false };
}

export interface HelmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs helm with an environment of its own (kubeconfig, cache, config and data dirs in `home`). */
export function runHelm(
  helm: string,
  args: string[],
  env: { kubeconfig: string; home: string },
  signal?: AbortSignal,
): Promise<HelmResult> {
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
    child.on('error', err =>
      reject(
        new HelmError(
          `could not run Helm (${helm}): ${err.message}; set ${CONFIG_ROOT}.helm.binary or put helm on the PATH`,
        ),
      ),
    );
    child.on('close', code => resolve({ code, stdout, stderr }));
  });
}

/** Deep merge of plain objects (arrays and scalars of `over` replace those of `base`). */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current &&
      typeof current === 'object' &&
      !Array.isArray(current)
        ? deepMerge(
            current as Record<string, unknown>,
            value as Record<string, unknown>,
          )
        : value;
  }
  return out;
}

/**
 * Runs a Helm command of a session: its output, or a HelmError with Helm's message (secrets
 * hidden) after `does` (or what `does` makes of Helm's error output).
 */
export type HelmRun = (
  does: string | ((stderr: string) => string),
  args: string[],
) => Promise<string>;

/**
 * Runs `fn` with Helm pointed at one cluster: the kubeconfig in a 0600 file of a 0700 temp folder
 * (also Helm's home, and where `fn` may put a values file), removed afterwards whatever happens.
 * Helm's errors hide the kubeconfig's tokens, the given secrets (read when an error is made, so
 * ones added later count) and the folder.
 */
export async function withHelm<T>(
  options: {
    binary: string;
    kubeconfig: string;
    tempDir?: string;
    signal?: AbortSignal;
    secrets?: string[];
  },
  fn: (helm: HelmRun, dir: string) => Promise<T>,
): Promise<T> {
  const tokens: string[] = (parse(options.kubeconfig)?.users ?? [])
    .map((u: any) => u?.user?.token)
    .filter(Boolean);
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'helm-task-'));
  try {
    await chmod(dir, 0o700);
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, options.kubeconfig, { mode: 0o600 });
    const helm: HelmRun = async (does, args) => {
      const run = await runHelm(
        options.binary,
        args,
        { kubeconfig, home: dir },
        options.signal,
      );
      if (run.code !== 0)
        throw new HelmError(
          typeof does === 'function' ? does(run.stderr) : does,
          {
            output: run.stderr,
            secrets: [...tokens, ...(options.secrets ?? [])],
            taskDir: dir,
          },
        );
      return run.stdout;
    };
    return await fn(helm, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
