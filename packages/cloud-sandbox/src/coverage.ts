/** Merging the coverage files the emulators write, and printing them as a table. */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CoverageReport, OperationCoverage } from './emulator';
import { defaultCoverageDir } from './paths';

/** Merges reports per provider (calls and statuses added up). */
export function mergeCoverage(reports: CoverageReport[]): CoverageReport[] {
  const byProvider = new Map<string, Map<string, OperationCoverage>>();
  for (const report of reports) {
    let ops = byProvider.get(report.provider);
    if (!ops) byProvider.set(report.provider, (ops = new Map()));
    for (const op of report.operations) {
      const merged = ops.get(op.operationId) ?? {
        ...op,
        calls: 0,
        statuses: {},
      };
      merged.calls += op.calls;
      for (const [status, n] of Object.entries(op.statuses))
        merged.statuses[status] = (merged.statuses[status] ?? 0) + n;
      ops.set(op.operationId, merged);
    }
  }
  return [...byProvider.entries()].map(([provider, ops]) => {
    const operations = [...ops.values()];
    return {
      provider: provider as CoverageReport['provider'],
      total: operations.length,
      exercised: operations.filter(o => o.calls > 0).length,
      operations,
    };
  });
}

/** Reads and merges every coverage file in `dir`. */
export function readCoverage(dir = defaultCoverageDir()): CoverageReport[] {
  if (!existsSync(dir)) return [];
  const reports = readdirSync(dir)
    .filter(f => f.endsWith('.json'))
    .map(f => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CoverageReport);
  return mergeCoverage(reports);
}

/** Removes the coverage files (before a run that should be reported on its own). */
export function clearCoverage(dir = defaultCoverageDir()): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A plain-text table: one line per operation, then a total per provider. */
export function formatCoverage(reports: CoverageReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(
      `${r.provider}: ${r.exercised}/${r.total} operations exercised (${
        r.total ? Math.round((r.exercised / r.total) * 100) : 0
      }%)`,
    );
    const width = Math.max(
      ...r.operations.map(o => `${o.method} ${o.path}`.length),
      10,
    );
    for (const o of [...r.operations].sort(
      (a, b) =>
        a.path.localeCompare(b.path) || a.method.localeCompare(b.method),
    )) {
      const statuses = Object.entries(o.statuses)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ');
      lines.push(
        `  ${o.calls > 0 ? '✓' : '·'} ${`${o.method} ${o.path}`.padEnd(
          width,
        )}  ${String(o.calls).padStart(4)}  ${statuses}`,
      );
    }
  }
  return lines.join('\n');
}
