/**
 * Finds every process a command started, however it was started: each child gets a marker in its
 * environment, and environments are inherited by grandchildren, daemons that double-fork, servers
 * started under another user id and processes that left their process group. Only a child that
 * clears its environment escapes the marker; none of the project's do.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from '@voting-platform/timing';

export const RUN_MARKER = 'VOTING_PLATFORM_RUN';

export interface MarkedProcess {
  pid: number;
  command: string;
}

function readProc(pid: string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

/** Live processes (not zombies) whose environment carries `RUN_MARKER=<runId>`, except this one. */
export function findMarked(runId: string): MarkedProcess[] {
  const wanted = `${RUN_MARKER}=${runId}`;
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = readProc(entry, 'environ');
    if (!environ?.split('\0').includes(wanted)) continue;
    // A zombie has given everything back but its entry; its parent will reap it.
    if (/^State:\s+Z/m.test(readProc(entry, 'status') ?? '')) continue;
    const command = (readProc(entry, 'cmdline') ?? '')
      .split('\0')
      .filter(Boolean)
      .join(' ');
    found.push({
      pid: Number(entry),
      command: command.length > 160 ? `${command.slice(0, 157)}...` : command,
    });
  }
  return found;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/**
 * Stops every process marked with `runId`: SIGTERM, then SIGKILL for those still alive after the
 * grace period. Returns what it found running, for the caller to report.
 */
export async function stopMarked(
  runId: string,
  graceMs = 5_000,
): Promise<MarkedProcess[]> {
  const found = findMarked(runId);
  if (found.length === 0) return found;
  for (const { pid } of found) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && findMarked(runId).length > 0)
    await sleep(100);
  for (const { pid } of findMarked(runId)) signal(pid, 'SIGKILL');
  return found;
}
