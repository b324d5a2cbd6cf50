/**
 * 200 viewers of one environment's status and live votes, against the real backend (every
 * plugin, run from its sources), the voting stack and the DigitalOcean and Cloudflare emulators,
 * which count every provider call. Each viewer is a distinct user, signed in through OpenID
 * Connect with a token of its own (see users.ts). Two ways of viewing, alternated over several rounds of the same run:
 *
 * - `signals` (the cards now): each viewer holds a signals websocket, renews its watch lease,
 *   and fetches the status again when a signal says it changed (plus a 60 s fallback poll);
 * - `polling` (the cards before, the baseline): each viewer reads the live votes every 5 s
 *   through the uncached results route, and the status every 30 s.
 *
 * Figures: provider calls per minute counted at the emulators, and vote→card latency (from the
 * vote app's 202 to the first response of that viewer's refetch that shows the vote), split into
 * its stages (the result service's push, the signal at the viewer, the refetch), as medians over
 * the rounds beside the polling baseline of the same rounds and the machine's load average.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ManualClock,
  startSandbox,
  type Sandbox,
} from '@voting-platform/cloud-sandbox';
import { sleep } from '@voting-platform/timing';
import { spawnBackend, waitBackendReady } from '../scripts/lib/portal.js';
import { freePort, waitFor } from '../test/support/ports.js';
import { ResultsClient } from '../test/support/socket.js';
import {
  median,
  percentile,
  quick,
  report,
  round,
  seconds,
  withStack,
} from './common.js';
import { viewerSignIn } from './users.js';

const VIEWERS = quick ? 50 : 200;
/** Rounds of (polling, signals), in alternating order; figures are medians over them. */
const VIEWER_ROUNDS = quick ? 1 : 3;
/** The team that owns the environment; every viewer is a member (not of the platform group). */
const OWNER = 'group:default/bench-team';
/** The status cache interval the backend runs with (`voting.status.cacheSeconds`). */
const INTERVAL_SECONDS = 10;
const LEASE_SECONDS = 20;
/** One vote this often during a phase; far enough apart to tell which vote a view shows. */
const VOTE_EVERY_MS = 2_000;
const ENVIRONMENT = 'bench';

type Observation = { at: number; total: number };

/** A viewer's record of what its views showed, and when. */
class Viewer {
  readonly seen: Observation[] = [];
  /** When each signal arrived (signals phases): the push's share of the latency. */
  readonly signalsAt: number[] = [];
  /** How long each successful read took, from request to parsed answer. */
  readonly readMs: number[] = [];
  fetches = 0;
  /** Failed requests by what went wrong (HTTP status or error code). */
  readonly failures = new Map<string, number>();
  private readonly timers: Array<ReturnType<typeof setInterval>> = [];
  private socket?: WebSocket;

  constructor(private readonly baseUrl: string, readonly token: string) {}

  private async get(path: string, read: (body: any) => number | undefined) {
    this.fetches++;
    const startedAt = Date.now();
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        headers: { authorization: `Bearer ${this.token}` },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const total = read(await response.json());
      if (total !== undefined) this.seen.push({ at: Date.now(), total });
      this.readMs.push(Date.now() - startedAt);
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const why = cause?.code ?? (error as Error).message;
    this.failures.set(why, (this.failures.get(why) ?? 0) + 1);
  }

  private readStatus = () =>
    this.get(
      `/api/voting/environments/${ENVIRONMENT}/status`,
      body => body.votes?.detail?.total,
    );

  /** What the live votes card reads: the votes section alone. */
  private readVotesSection = () =>
    this.get(
      `/api/voting/environments/${ENVIRONMENT}/status?sections=votes`,
      body => body.votes?.detail?.total,
    );

  private async renew() {
    await fetch(
      `${this.baseUrl}/api/voting/environments/${ENVIRONMENT}/watch`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}` },
      },
    ).catch(error => this.fail(error));
  }

  /**
   * As the cards now: lease, signals, a refetch per signal (the votes section alone on a votes
   * signal, the whole status otherwise), the slow fallback poll.
   */
  async watch(): Promise<void> {
    const url = new URL('/api/signals', this.baseUrl);
    url.protocol = 'ws:';
    const socket = new WebSocket(url, this.token);
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error('signals websocket failed'));
    });
    socket.send(
      JSON.stringify({
        action: 'subscribe',
        channel: `voting:environment:${ENVIRONMENT}`,
      }),
    );
    socket.onmessage = event => {
      this.signalsAt.push(Date.now());
      const { message } = JSON.parse(String(event.data)) as {
        message: { sections: string[] };
      };
      if (message.sections.every(s => s === 'votes')) {
        void this.readVotesSection();
      } else {
        void this.readStatus();
      }
    };
    await this.renew();
    await this.readStatus();
    this.timers.push(
      setInterval(() => this.renew(), (LEASE_SECONDS * 1000) / 2),
      setInterval(() => this.readStatus(), 60_000),
    );
  }

  /** As the cards before: the live votes every 5 s, uncached, and the status every 30 s. */
  async poll(): Promise<void> {
    const readVotes = () =>
      this.get(
        `/api/voting/entities/component/voting-environments/${ENVIRONMENT}/results`,
        body => body.results?.total,
      );
    await Promise.all([readVotes(), this.readStatus()]);
    // spread over the interval, as tabs opened at different times are
    await sleep(Math.random() * 5_000);
    this.timers.push(
      setInterval(readVotes, 5_000),
      setInterval(() => this.readStatus(), 30_000),
    );
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.socket?.close();
  }

  /** When the first signal at or after `at` reached this viewer. */
  firstSignal(at: number): number | undefined {
    return this.signalsAt.find(t => t >= at);
  }

  /** When this viewer first showed a total of at least `total`. */
  firstShowing(total: number): number | undefined {
    return this.seen.find(o => o.total >= total)?.at;
  }
}

async function json(
  url: string,
  init: RequestInit & { token?: string } = {},
): Promise<any> {
  const response = await fetch(url, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.headers as Record<string, string>),
    },
  });
  if (!response.ok) {
    throw new Error(
      `${init.method ?? 'GET'} ${url}: ${
        response.status
      } ${await response.text()}`,
    );
  }
  return response.status === 204 ? undefined : response.json();
}

/** Provider calls at both emulators since `from`, by operation. */
function providerCalls(sandbox: Sandbox, from: { do: number; cf: number }) {
  const byOperation: Record<string, number> = {};
  const records = [
    ...sandbox.digitalocean.requests.slice(from.do),
    ...sandbox.cloudflare.requests.slice(from.cf),
  ];
  for (const r of records) {
    const op = r.operationId ?? 'unknown';
    byOperation[op] = (byOperation[op] ?? 0) + 1;
  }
  return { total: records.length, byOperation };
}

const mark = (sandbox: Sandbox) => ({
  do: sandbox.digitalocean.requests.length,
  cf: sandbox.cloudflare.requests.length,
});

/** The one-minute load average, to print beside each figure: the cores are shared. */
const load = () => round(loadavg()[0]!, 1);

type PhaseFigures = {
  latencies: number[];
  /** Per vote and viewer: the result service's push → the signal at the viewer. */
  pushToSignal: number[];
  /** Per vote and viewer: the signal → the refetch's answer showing the vote. */
  signalToCard: number[];
  /** Per vote: the vote app's 202 → the result service's push. */
  voteToPush: number[];
  calls: ReturnType<typeof providerCalls>;
  fetches: number;
  minutes: number;
  loadAverage: [number, number];
};

export async function viewers(): Promise<void> {
  await withStack(async ({ vote, result }) => {
    const clock = new ManualClock();
    const sandbox = await startSandbox({
      clock,
      coverageDir: false,
      cloudflare: { zones: ['example.com'] },
      // no API server behind the emulated cluster: the workloads section fails fast, on its own
      digitalocean: { clusterEndpoint: () => 'https://127.0.0.1:9' },
    });
    const tmp = mkdtempSync(join(tmpdir(), 'bench-viewers-'));
    const token = randomBytes(24).toString('hex');
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const users = await viewerSignIn({
      dir: tmp,
      baseUrl,
      count: VIEWERS,
      team: OWNER,
    });
    let backendOutput = '';
    const backend = (() => {
      writeFileSync(
        join(tmp, 'app-config.bench.yaml'),
        JSON.stringify({
          ...users.config,
          app: { baseUrl },
          backend: {
            baseUrl,
            listen: { port, host: '127.0.0.1' },
            cors: { origin: baseUrl },
          },
          digitalocean: {
            apiUrl: sandbox.digitalocean.url,
            token: sandbox.digitalocean.token,
          },
          cloudflare: {
            apiUrl: sandbox.cloudflare.url,
            apiToken: sandbox.cloudflare.token,
          },
          voting: {
            status: {
              cacheSeconds: INTERVAL_SECONDS,
              leaseSeconds: LEASE_SECONDS,
            },
          },
        }),
      );
      const child = spawnBackend({
        configs: [join(tmp, 'app-config.bench.yaml')],
        env: {
          BACKSTAGE_SCRIPT_TOKEN: token,
          LOG_LEVEL: 'warn',
          // where the backend's CPU profile goes when it stops (node --cpu-prof), if asked for
          ...(process.env.BENCH_CPU_PROF_DIR
            ? {
                NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`,
              }
            : {}),
        },
        stdio: 'pipe',
      });
      child.stdout!.on('data', chunk => (backendOutput += chunk));
      child.stderr!.on('data', chunk => (backendOutput += chunk));
      return child;
    })();
    const all: Viewer[] = [];
    // what the result service pushed, and when: the first stage of a vote's way to the card
    const pushes = new ResultsClient(result.url);
    try {
      await waitBackendReady(baseUrl, backend, 180_000).catch(error => {
        console.log(backendOutput.slice(-5000));
        throw error;
      });
      const doCall = (path: string, body: unknown) =>
        json(`${sandbox.digitalocean.url}${path}`, {
          method: 'POST',
          token: sandbox.digitalocean.token,
          body: JSON.stringify(body),
        });
      const cluster = await doCall('/kubernetes/clusters', {
        name: 'bench',
        region: 'nyc1',
        version: 'latest',
        node_pools: [{ name: 'pool', size: 's-2vcpu-4gb', count: 2 }],
      });
      const database = await doCall('/databases', {
        name: 'bench-db',
        engine: 'pg',
        version: '16',
        region: 'nyc1',
        size: 'db-s-1vcpu-1gb',
        num_nodes: 1,
      });
      clock.advance(60 * 60_000);
      await json(`${baseUrl}/api/voting/environments/${ENVIRONMENT}`, {
        method: 'PUT',
        token,
        body: JSON.stringify({
          owner: OWNER,
          clusterId: cluster.kubernetes_cluster.id,
          databaseId: database.database.id,
          vpcId: randomUUID(),
          domain: 'bench.example.com',
          voteUrl: vote.url,
          resultUrl: result.url,
        }),
      });
      // the old card reads the environment's catalog entity
      await waitFor(
        'the environment in the catalog',
        async () =>
          (
            await fetch(
              `${baseUrl}/api/catalog/entities/by-name/component/voting-environments/${ENVIRONMENT}`,
              { headers: { authorization: `Bearer ${token}` } },
            )
          ).ok || undefined,
        60_000,
        500,
      );
      // one user per viewer, each a member of the owning team: the policy's conditional
      // decision, made for each user
      await waitFor(
        'the viewers in the catalog',
        async () =>
          (
            await fetch(
              `${baseUrl}/api/catalog/entities/by-name/user/default/viewer-${
                VIEWERS - 1
              }`,
              { headers: { authorization: `Bearer ${token}` } },
            )
          ).ok || undefined,
        120_000,
        500,
      );
      const viewerTokens: string[] = [];
      for (let n = 0; n < VIEWERS; n += 10) {
        viewerTokens.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(10, VIEWERS - n) }, (_, i) =>
              users.signIn(n + i),
            ),
          )),
        );
      }
      // the backend takes them as its users' tokens, and the policy lets them read the status
      await json(`${baseUrl}/api/voting/environments/${ENVIRONMENT}/status`, {
        token: viewerTokens[0],
      });

      const castVote = async () => {
        const response = await fetch(`${vote.url}/api/vote`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ option: Math.random() < 0.5 ? 'a' : 'b' }),
        });
        if (response.status !== 202)
          throw new Error(`vote: ${response.status}`);
        return Date.now();
      };
      const currentTotal = async () =>
        ((await json(`${result.url}/api/results`)) as { total: number }).total;

      /** Runs a phase: viewers start, votes are cast, figures come out. */
      const phase = async (
        name: string,
        start: ((viewer: Viewer) => Promise<void>) | undefined,
        durationS = seconds(30),
      ): Promise<PhaseFigures> => {
        const durationMs = durationS * 1000;
        const loadAtStart = load();
        const crowd = start
          ? viewerTokens.map(t => new Viewer(baseUrl, t))
          : [];
        all.push(...crowd);
        await Promise.all(crowd.map(v => start!(v)));
        const from = mark(sandbox);
        const startedAt = Date.now();
        const before = await currentTotal();
        const casts: number[] = [];
        while (Date.now() - startedAt < durationMs) {
          if (start) casts.push(await castVote());
          await sleep(VOTE_EVERY_MS);
        }
        // a last view of the last vote may still be on its way
        await sleep(start ? 6_000 : 0);
        const minutes = (Date.now() - startedAt) / 60_000;
        const calls = providerCalls(sandbox, from);
        for (const v of crowd) v.stop();
        const latencies: number[] = [];
        const voteToPush: number[] = [];
        const pushToSignal: number[] = [];
        const signalToCard: number[] = [];
        let missed = 0;
        casts.forEach((castAt, i) => {
          const total = before + i + 1;
          const pushedAt = pushes.received.find(
            p => p.results.total >= total,
          )?.at;
          if (pushedAt !== undefined) voteToPush.push(pushedAt - castAt);
          for (const v of crowd) {
            const shown = v.firstShowing(total);
            if (shown === undefined) missed++;
            else latencies.push(Math.max(0, shown - castAt));
            if (pushedAt === undefined) continue;
            // the signal this push caused: the first to arrive after it
            const signalled = v.firstSignal(pushedAt);
            if (signalled === undefined) continue;
            pushToSignal.push(signalled - pushedAt);
            if (shown !== undefined && shown >= signalled)
              signalToCard.push(shown - signalled);
          }
        });
        const readMs = crowd.flatMap(v => v.readMs);
        const fetches = crowd.reduce((n, v) => n + v.fetches, 0);
        const perMinute = (n: number) => round(n / minutes, 1);
        const intervals = (minutes * 60) / INTERVAL_SECONDS;
        const clusterChecks = calls.byOperation.kubernetes_get_cluster ?? 0;
        const p = (values: number[], n: number) =>
          values.length ? percentile(values, n) : null;
        const loadAverage: [number, number] = [loadAtStart, load()];
        report(`status viewers: ${name}`, {
          viewers: crowd.length,
          'distinct users': new Set(crowd.map(v => v.token)).size,
          'load average (1 min)': `${loadAverage[0]} → ${loadAverage[1]}`,
          'phase s': round(minutes * 60),
          'votes cast': casts.length,
          'provider calls/min': perMinute(calls.total),
          'cluster checks/interval': round(clusterChecks / intervals, 2),
          'calls by operation': calls.byOperation,
          'REST reads/min': perMinute(fetches),
          'failed requests': crowd.reduce<Record<string, number>>(
            (tally, v) => {
              for (const [why, n] of v.failures)
                tally[why] = (tally[why] ?? 0) + n;
              return tally;
            },
            {},
          ),
          ...(casts.length
            ? {
                'vote→card p50 ms': p(latencies, 50),
                'vote→card p99 ms': p(latencies, 99),
                'views that never showed a vote': missed,
                'vote→push p50/p99 ms': [p(voteToPush, 50), p(voteToPush, 99)],
                ...(pushToSignal.length
                  ? {
                      'push→signal p50/p99 ms': [
                        p(pushToSignal, 50),
                        p(pushToSignal, 99),
                      ],
                      'signal→card p50/p99 ms': [
                        p(signalToCard, 50),
                        p(signalToCard, 99),
                      ],
                    }
                  : {}),
                'read p50 ms': p(readMs, 50),
                'read p99 ms': p(readMs, 99),
              }
            : {}),
          'target p99 ms': 1_000,
          'target checks/section/interval': 1,
        });
        return {
          latencies,
          pushToSignal,
          signalToCard,
          voteToPush,
          calls,
          fetches,
          minutes,
          loadAverage,
        };
      };

      // nobody watches: nothing may be checked
      const idle = await phase(
        'nobody watching',
        undefined,
        3 * INTERVAL_SECONDS,
      );
      const polled: PhaseFigures[] = [];
      const signalled: PhaseFigures[] = [];
      const runPolling = async (n: number) => {
        polled.push(
          await phase(`round ${n}, polling every 5 s (the cards before)`, v =>
            v.poll(),
          ),
        );
        // the polling phase took no lease; the status cache runs out before the next phase
        await sleep(INTERVAL_SECONDS * 1000);
      };
      const runSignals = async (n: number) => {
        signalled.push(
          await phase(`round ${n}, signals (the cards now)`, v => v.watch()),
        );
        // the leases run out: the next phase starts with nobody watching
        await sleep((LEASE_SECONDS + 1) * 1000);
      };
      // alternating the order spreads a change of the machine's load over both ways
      for (let r = 1; r <= VIEWER_ROUNDS; r++) {
        if (r % 2 === 1) {
          await runPolling(r);
          await runSignals(r);
        } else {
          await runSignals(r);
          await runPolling(r);
        }
      }

      const medianOf = (
        phases: PhaseFigures[],
        pick: (f: PhaseFigures) => number,
      ) => median(phases.map(pick));
      const p50 = (values: number[]) =>
        values.length ? percentile(values, 50) : 0;
      const p99 = (values: number[]) =>
        values.length ? percentile(values, 99) : 0;
      const perRound = (pick: (f: PhaseFigures) => number) =>
        signalled.map(pick).map(v => round(v));
      report(
        'status viewers: signals against polling, medians over the rounds',
        {
          rounds: VIEWER_ROUNDS,
          'viewers (distinct users)': VIEWERS,
          'load average per round (signals phase start → end)': signalled.map(
            f => `${f.loadAverage[0]} → ${f.loadAverage[1]}`,
          ),
          'idle provider calls': idle.calls.total,
          'signals vote→card p50 ms (median; rounds)': [
            medianOf(signalled, f => p50(f.latencies)),
            perRound(f => p50(f.latencies)),
          ],
          'signals vote→card p99 ms (median; rounds)': [
            medianOf(signalled, f => p99(f.latencies)),
            perRound(f => p99(f.latencies)),
          ],
          'polling vote→card p50 ms (median)': medianOf(polled, f =>
            p50(f.latencies),
          ),
          'polling vote→card p99 ms (median)': medianOf(polled, f =>
            p99(f.latencies),
          ),
          'p50 ratio polling / signals (median of rounds)': round(
            median(
              signalled.map(
                (f, i) =>
                  p50(polled[i]!.latencies) / Math.max(1, p50(f.latencies)),
              ),
            ),
            1,
          ),
          'p99 ratio polling / signals (median of rounds)': round(
            median(
              signalled.map(
                (f, i) =>
                  p99(polled[i]!.latencies) / Math.max(1, p99(f.latencies)),
              ),
            ),
            1,
          ),
          'stages p50 ms (median): vote→push, push→signal, signal→card': [
            medianOf(signalled, f => p50(f.voteToPush)),
            medianOf(signalled, f => p50(f.pushToSignal)),
            medianOf(signalled, f => p50(f.signalToCard)),
          ],
          'stages p99 ms (median): vote→push, push→signal, signal→card': [
            medianOf(signalled, f => p99(f.voteToPush)),
            medianOf(signalled, f => p99(f.pushToSignal)),
            medianOf(signalled, f => p99(f.signalToCard)),
          ],
          'cluster checks/interval, signals (median)': medianOf(
            signalled,
            f =>
              (f.calls.byOperation.kubernetes_get_cluster ?? 0) /
              ((f.minutes * 60) / INTERVAL_SECONDS),
          ),
          'REST reads/min, polling : signals (median)': `${round(
            medianOf(polled, f => f.fetches / f.minutes),
          )} : ${round(medianOf(signalled, f => f.fetches / f.minutes))}`,
          'target p99 ms': 1_000,
        },
      );
    } finally {
      pushes.close();
      users.stop();
      for (const v of all) v.stop();
      if (backend.exitCode === null) {
        const exited = new Promise(done => backend.once('exit', done));
        backend.kill('SIGTERM');
        await exited;
      }
      await sandbox.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}
