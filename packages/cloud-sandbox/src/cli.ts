/**
 * cloud-sandbox command line.
 *
 *   node --import tsx packages/cloud-sandbox/src/cli.ts [start] [--do-port N] [--cf-port N]
 *        [--zone example.com ...] [--delay-seconds 3] [--json]
 *     starts both emulators on 127.0.0.1 with real time (lifecycles take a few seconds), prints
 *     their URLs and tokens, and runs until SIGINT/SIGTERM; contract violations are printed as
 *     they happen and summed up on exit.
 *
 *   node --import tsx packages/cloud-sandbox/src/cli.ts coverage [--dir D] [--clear]
 *     prints the merged contract coverage the emulators wrote (default .cache/contract-coverage).
 */
import { parseArgs } from 'node:util';
import { clearCoverage, formatCoverage, readCoverage } from './coverage';
import { defaultCoverageDir } from './paths';
import { startSandbox } from './index';

async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'do-port': { type: 'string', default: '0' },
      'cf-port': { type: 'string', default: '0' },
      zone: { type: 'string', multiple: true, default: ['example.com'] },
      'delay-seconds': { type: 'string', default: '3' },
      'do-token': { type: 'string' },
      'cf-token': { type: 'string' },
      'no-coverage': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const delayMs = Number(values['delay-seconds']) * 1000;
  const sandbox = await startSandbox({
    coverageDir: values['no-coverage'] ? false : undefined,
    digitalocean: {
      port: Number(values['do-port']),
      token: values['do-token'],
      timings: {
        clusterMs: delayMs,
        nodePoolMs: delayMs,
        databaseMs: delayMs,
        resizeMs: delayMs,
        deleteMs: delayMs,
      },
    },
    cloudflare: {
      port: Number(values['cf-port']),
      token: values['cf-token'],
      zones: values.zone,
    },
  });
  const { digitalocean: d, cloudflare: c } = sandbox;
  const info = {
    digitalocean: { url: d.url, token: d.token },
    cloudflare: {
      url: c.url,
      token: c.token,
      originCaKey: c.serviceKey,
      zones: [...c.zones.values()].map(z => ({ id: z.id, name: z.name })),
    },
  };
  if (values.json) console.log(JSON.stringify(info));
  else {
    console.log(
      `DigitalOcean  ${d.url}   (dots-wrapper endpoint; token ${d.token})`,
    );
    console.log(
      `Cloudflare    ${c.url}   (SDK baseURL; API token ${c.token}; Origin CA key ${c.serviceKey})`,
    );
    console.log(
      `zones         ${info.cloudflare.zones
        .map(z => `${z.name} (${z.id})`)
        .join(', ')}`,
    );
    console.log(
      `lifecycles    clusters and databases are ready, and resizes done, ${
        delayMs / 1000
      } s after the request; Ctrl-C stops`,
    );
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await sandbox.stop();
    const violations = sandbox.violations();
    console.error(
      `cloud-sandbox stopped: ${violations.length} contract violation(s)`,
    );
    process.exit(violations.length > 0 ? 1 : 0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

function coverage(args: string[]): void {
  const { values } = parseArgs({
    args,
    options: {
      dir: { type: 'string' },
      clear: { type: 'boolean', default: false },
    },
  });
  const dir = values.dir ?? defaultCoverageDir();
  const reports = readCoverage(dir);
  console.log(
    reports.length ? formatCoverage(reports) : `no coverage files in ${dir}`,
  );
  if (values.clear) clearCoverage(dir);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'coverage') coverage(rest);
else if (
  command === undefined ||
  command === 'start' ||
  command.startsWith('--')
) {
  start(
    command === 'start' || command === undefined ? rest : [command, ...rest],
  ).catch(err => {
    console.error(err);
    process.exit(1);
  });
} else {
  console.error(`unknown command ${command}; use start (default) or coverage`);
  process.exit(2);
}
