/**
 * clusterlint: a run on a running cluster reports the findings a test set with
 * `setLintFindings()` (the emulator runs no workloads of its own), selected by check name or group;
 * results by run id, or the latest run's.
 */
import { randomUUID } from 'node:crypto';
import { renderLintRun } from './render';
import {
  errorReply,
  NotFound,
  ok,
  type DigitalOceanState,
  type Handlers,
  type LintFinding,
  type LintRun,
} from './state';

interface LintRequest {
  include_groups?: string[];
  include_checks?: string[];
  exclude_groups?: string[];
  exclude_checks?: string[];
}

/** The findings a run reports: checks chosen by name or group, the `doks` group when the request names none. */
function selectFindings(
  findings: LintFinding[],
  req: LintRequest = {},
): LintRun['diagnostics'] {
  const includeGroups =
    req.include_groups ?? (req.include_checks ? [] : ['doks']);
  return findings
    .filter(f => {
      const groups = f.groups ?? ['doks'];
      const included =
        req.include_checks?.includes(f.check_name) ||
        groups.some(g => includeGroups.includes(g));
      const excluded =
        req.exclude_checks?.includes(f.check_name) ||
        groups.some(g => req.exclude_groups?.includes(g));
      return included && !excluded;
    })
    .map(({ groups: _groups, ...diagnostic }) => diagnostic);
}

export function clusterlintHandlers(s: DigitalOceanState): Handlers {
  return {
    kubernetes_run_clusterLint: ctx => {
      const c = s.cluster(ctx.params.cluster_id);
      // clusterlint reads the workloads through the cluster's API server
      if (s.clock.now() < c.readyAt || c.deletingSince !== undefined)
        return errorReply(422, 'clusterlint needs a running cluster');
      const run: LintRun = {
        id: randomUUID(),
        requested: s.clock.now(),
        diagnostics: selectFindings(c.lintFindings, ctx.body),
      };
      c.lintRuns.push(run);
      return ok(202, { run_id: run.id });
    },
    kubernetes_get_clusterLintResults: ctx => {
      const c = s.cluster(ctx.params.cluster_id);
      const runId = ctx.query.get('run_id');
      const run = runId
        ? c.lintRuns.find(r => r.id === runId)
        : c.lintRuns.at(-1);
      if (!run) throw new NotFound();
      return ok(200, renderLintRun(run));
    },
  };
}
