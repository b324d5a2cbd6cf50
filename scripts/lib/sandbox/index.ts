/**
 * Sandbox mode of `npm start`: the product's main job (the create template) runs offline. The
 * DigitalOcean and Cloudflare emulators listen on pinned ports with pinned tokens (so scripts and
 * the backend's config never change between starts); each emulated cluster gets its own local
 * Kubernetes control plane; each emulated database is real in the local PostgreSQL; the stand-in
 * charts are a local Helm repository. The backend is pointed at all of it by one generated config
 * file, and `.cache/sandbox.json` tells scripts where everything is.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  CloudflareEmulator,
  DigitalOceanEmulator,
  machineAddress,
  NO_MACHINE_ADDRESS,
} from '@voting-platform/cloud-sandbox';
import { serveChartRepository, type ChartRepository } from './charts.js';
import { LocalClusters, type ControlPlaneAvailability } from './clusters.js';
import { PostgresBackend } from './postgres.js';

export const SANDBOX_DEFAULTS = {
  ports: { digitalocean: 7101, cloudflare: 7102, charts: 7103 },
  // Not secrets: they open only the emulators on loopback. Pinned so that scripts keep working
  // across starts.
  tokens: {
    digitalocean: 'dop_v1_sandbox_local',
    cloudflare: 'cloudflare_sandbox_local',
  },
  zones: ['example.com'],
  /** Roles and databases of emulated databases in the local PostgreSQL start with this. */
  postgresPrefix: 'sandbox_',
};

/**
 * Whether real cloud credentials are given: `DIGITALOCEAN_TOKEN` or `CLOUDFLARE_API_TOKEN` in the
 * environment, or `digitalocean.token` / `cloudflare.apiToken` in one of the config files.
 */
export function cloudCredentialsGiven(
  env: NodeJS.ProcessEnv,
  configFiles: string[],
): boolean {
  if (env.DIGITALOCEAN_TOKEN || env.CLOUDFLARE_API_TOKEN) return true;
  return configFiles.some(file => {
    if (!existsSync(file)) return false;
    const text = readFileSync(file, 'utf8');
    return (
      /^digitalocean:\s*\n(?:[ \t].*\n|\s*\n)*?[ \t]+token:/m.test(text) ||
      /^cloudflare:\s*\n(?:[ \t].*\n|\s*\n)*?[ \t]+apiToken:/m.test(text)
    );
  });
}

export interface LocalCloudOptions {
  /** Where sandbox.json and the backend config go (the repo's .cache). */
  cache: string;
  /** Folder of the stand-in charts. */
  charts: string;
  /** The pinned Helm, or why there is none (no chart repository then). */
  helm: string | { missing: string };
  /** A superuser URL of the local PostgreSQL. */
  postgresAdminUrl: string;
  controlPlane: () => ControlPlaneAvailability;
  ports?: Partial<typeof SANDBOX_DEFAULTS.ports>;
  postgresPrefix?: string;
  /** Seconds a cluster or database takes to provision (default 2). */
  provisionSeconds?: number;
  /** The vote and result apps `npm start` runs on this machine. */
  localStack: LocalStackUrls;
  log: (message: string) => void;
}

export interface LocalStackUrls {
  voteUrl: string;
  resultUrl: string;
}

export interface LocalCloud {
  /** The backend config file that points the portal at the sandbox. */
  backendConfig: string;
  /** `.cache/sandbox.json` */
  infoFile: string;
  digitalocean: DigitalOceanEmulator;
  cloudflare: CloudflareEmulator;
  clusters: LocalClusters;
  stop(): Promise<void>;
}

export async function startLocalCloud(
  options: LocalCloudOptions,
): Promise<LocalCloud> {
  const ports = { ...SANDBOX_DEFAULTS.ports, ...options.ports };
  const infoFile = join(options.cache, 'sandbox.json');
  const backendConfig = join(options.cache, 'app-config.sandbox.yaml');
  const postgres = new PostgresBackend({
    adminUrl: options.postgresAdminUrl,
    prefix: options.postgresPrefix ?? SANDBOX_DEFAULTS.postgresPrefix,
  });
  // the emulators' state does not outlive a start, so neither do its databases
  await postgres.clear();

  const alertsDir = join(options.cache, 'sandbox-alerts');
  mkdirSync(alertsDir, { recursive: true });
  const clusters = new LocalClusters({
    availability: options.controlPlane,
    onChange: () => writeInfo(),
    alertsDir,
    log: options.log,
  });
  const ms = (options.provisionSeconds ?? 2) * 1000;
  const digitalocean = new DigitalOceanEmulator({
    port: ports.digitalocean,
    token: SANDBOX_DEFAULTS.tokens.digitalocean,
    coverageDir: false,
    timings: {
      clusterMs: ms,
      nodePoolMs: ms,
      databaseMs: ms,
      resizeMs: ms,
      deleteMs: ms,
    },
    clusterTarget: clusters.target,
    databaseBackend: postgres,
  });
  const cloudflare = new CloudflareEmulator({
    port: ports.cloudflare,
    token: SANDBOX_DEFAULTS.tokens.cloudflare,
    coverageDir: false,
    zones: SANDBOX_DEFAULTS.zones,
  });
  function writeInfo() {
    writeFileSync(
      infoFile,
      `${JSON.stringify(
        {
          digitalocean: { url: digitalocean.url, token: digitalocean.token },
          cloudflare: { url: cloudflare.url, token: cloudflare.token },
          clusters: clusters.kubeconfigs(),
          // alerts each cluster's Prometheus stand-in fires besides Watchdog (written by people)
          alertFiles: Object.fromEntries(
            Object.keys(clusters.kubeconfigs()).map(id => [
              id,
              clusters.alertsFile(id),
            ]),
          ),
        },
        null,
        2,
      )}\n`,
      { mode: 0o600 },
    );
    chmodSync(infoFile, 0o600);
  }
  await Promise.all([digitalocean.start(), cloudflare.start()]);
  clusters.attach(digitalocean);

  let repository: ChartRepository | undefined;
  if (typeof options.helm === 'string')
    repository = await serveChartRepository({
      helm: options.helm,
      source: options.charts,
      dir: join(options.cache, 'sandbox-charts'),
      port: ports.charts,
    });
  else options.log(`no local chart repository: ${options.helm.missing}`);

  const helm = repository
    ? {
        ...(typeof options.helm === 'string'
          ? { binary: options.helm }
          : undefined),
        allowedRepositories: [repository.url],
        // read by the Helm action's presets (kubernetesActions.helm.presets.<preset>)
        presets: Object.fromEntries(
          Object.entries(repository.charts).map(([chart, version]) => [
            chart,
            { repository: repository!.url, version },
          ]),
        ),
      }
    : undefined;
  writeFileSync(
    backendConfig,
    sandboxBackendConfig({
      digitalocean,
      cloudflare,
      helm,
      localStack: options.localStack,
      alertsUnavailable: machineAddress() ? undefined : NO_MACHINE_ADDRESS,
    }),
    { mode: 0o600 },
  );
  writeInfo();

  return {
    backendConfig,
    infoFile,
    digitalocean,
    cloudflare,
    clusters,
    stop: async () => {
      await clusters.stop();
      await Promise.all([
        digitalocean.stop(),
        cloudflare.stop(),
        repository?.stop(),
      ]);
      // the emulated databases are gone with the emulator: so are their real ones
      await postgres.clear();
    },
  };
}

/** The text of `.cache/app-config.sandbox.yaml`: the backend's view of everything above. */
export function sandboxBackendConfig(parts: {
  digitalocean: { url: string; token: string };
  cloudflare: { url: string; token: string };
  helm?: object;
  localStack: LocalStackUrls;
  /** Why the clusters' Prometheus stand-in cannot be reached, if it cannot. */
  alertsUnavailable?: string;
}): string {
  const { digitalocean, cloudflare, helm, localStack, alertsUnavailable } =
    parts;
  return `# Written by npm start in sandbox mode; every start rewrites it.\n${stringify(
    {
      app: { sandbox: true },
      digitalocean: {
        apiUrl: digitalocean.url,
        token: digitalocean.token,
        pollIntervalSeconds: 1,
      },
      cloudflare: { apiUrl: cloudflare.url, apiToken: cloudflare.token },
      ...(helm ? { kubernetesActions: { helm } } : {}),
      // the clusters run no containers: the local stack answers for every environment's votes
      voting: {
        sandbox: {
          voteUrl: localStack.voteUrl,
          resultUrl: localStack.resultUrl,
          ...(alertsUnavailable ? { alertsUnavailable } : {}),
        },
      },
    },
  )}`;
}

/**
 * With credentials: a backend config that takes the tokens given in the environment (by
 * `${VARIABLE}` substitution, so no token is written to disk).
 */
export function cloudConfig(cache: string, env: NodeJS.ProcessEnv): string {
  const file = join(cache, 'app-config.cloud.yaml');
  writeFileSync(
    file,
    `# Written by npm start: the cloud tokens from the environment.\n${stringify(
      {
        ...(env.DIGITALOCEAN_TOKEN
          ? { digitalocean: { token: '${DIGITALOCEAN_TOKEN}' } }
          : {}),
        ...(env.CLOUDFLARE_API_TOKEN
          ? { cloudflare: { apiToken: '${CLOUDFLARE_API_TOKEN}' } }
          : {}),
      },
    )}`,
  );
  return file;
}
