import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds (user + system) each group of processes has used so far, from /proc (Linux). */
export function cpuSeconds(
  groups: Record<string, RegExp>,
): Record<string, number> {
  const ticksPerSecond = 100;
  const used: Record<string, number> = Object.fromEntries(
    [...Object.keys(groups), 'other'].map(name => [name, 0]),
  );
  for (const pid of readdirSync('/proc').filter(entry => /^\d+$/.test(entry))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll(
        '\0',
        ' ',
      );
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
        .split(') ')[1]!
        .split(' ');
      const name =
        Object.entries(groups).find(([, pattern]) =>
          pattern.test(command),
        )?.[0] ?? 'other';
      used[name]! += (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    } catch {
      // the process ended while we looked
    }
  }
  return used;
}

/** What each group used between two readings, rounded to a tenth of a second. */
export function cpuSpent(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after).map(name => [
      name,
      Math.round((after[name]! - (before[name] ?? 0)) * 10) / 10,
    ]),
  );
}
