/**
 * `serve`: starts the local control plane and keeps it up until SIGTERM/SIGINT, then stops it.
 * Used by control-plane.sh (start/stop/status). Writes into the state dir:
 *   kubeconfig   admin kubeconfig (copied out of the control plane's temp dir)
 *   ready.json   { server, kubeconfig, pids, startupSeconds } once ready
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane } from './controlPlane.js';

const [command, stateFlag, state] = process.argv.slice(2);
if (command !== 'serve' || stateFlag !== '--state' || !state) {
  console.error(
    'usage: node --import tsx packages/local-kubernetes/src/cli.ts serve --state DIR',
  );
  process.exit(2);
}
mkdirSync(state, { recursive: true });
const nodes = Number(process.env.K8S_LOCAL_NODES ?? 2);
const cp = await startControlPlane({ nodes });
const kubeconfig = join(state, 'kubeconfig');
copyFileSync(cp.kubeconfigPath, kubeconfig);
writeFileSync(
  join(state, 'ready.json'),
  `${JSON.stringify(
    {
      server: cp.server,
      kubeconfig,
      pids: cp.pids,
      nodes: cp.nodes,
      startupSeconds: cp.startupSeconds,
      logs: join(cp.dir, 'logs'),
    },
    null,
    2,
  )}\n`,
);
console.log(
  `control plane ready at ${cp.server} in ${cp.startupSeconds.toFixed(
    1,
  )} s; KUBECONFIG=${kubeconfig}`,
);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the control plane`);
  await cp.stop();
  rmSync(join(state, 'ready.json'), { force: true });
  rmSync(kubeconfig, { force: true });
  console.log('stopped');
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
setInterval(() => {}, 1 << 30);
