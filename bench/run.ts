/**
 * `npm run bench`: the voting stack's throughput and latency, each figure beside a baseline
 * (a bare Node server doing the least possible for the same traffic) measured in the same run.
 * Machines here are noisy: compare ratios and medians, not single figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sleep } from '@voting-platform/timing';
import autocannon from 'autocannon';
import { freePort, waitFor } from '../test/support/ports.js';
import { ResultsClient } from '../test/support/socket.js';
import { storedVotes } from '../test/support/stack.js';
import {
  figures,
  median,
  percentile,
  quick,
  report,
  round,
  ROUNDS,
  seconds,
  withStack,
} from './common.js';
import { cpuSeconds, cpuSpent } from './cpu.js';
import { viewers } from './viewers.js';

const root = resolve(import.meta.dirname, '..');

async function bareServer(
  kind: 'http' | 'socket',
): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/bare-servers.ts', kind, String(port)],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise(done => child.stdout!.once('data', done));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

const VOTE_REQUEST = {
  method: 'POST' as const,
  headers: { 'content-type': 'application/json' },
  body: '{"option":"a"}',
};

/** POSTs without a cookie: every request is a new voter, as when many people vote at once. */
async function load(
  url: string,
  options: Partial<autocannon.Options> & { duration: number },
) {
  const result = await autocannon({
    url: `${url}/api/vote`,
    ...VOTE_REQUEST,
    connections: 100,
    ...options,
  });
  return {
    rps: result.requests.average,
    accepted: result['2xx'],
    other: result.non2xx + result.errors + result.timeouts,
    p99: result.latency.p99,
  };
}

/** `fsync`: Redis's appendfsync; the default run keeps `everysec`, comparable with earlier runs. */
async function ingest(fsync: 'everysec' | 'always' = 'everysec') {
  const bare = await bareServer('http');
  const baseline: number[] = [];
  const voting: number[] = [];
  let rejected = 0;
  try {
    await withStack(
      async ({ vote }) => {
        await load(vote.url, { duration: 1 }); // warm-up
        await load(bare.url, { duration: 1 });
        for (let i = 0; i < ROUNDS; i++) {
          baseline.push((await load(bare.url, { duration: seconds(10) })).rps);
          const run = await load(vote.url, { duration: seconds(10) });
          voting.push(run.rps);
          rejected += run.other;
        }
      },
      { voteOnly: true, fsync },
    );
  } finally {
    bare.stop();
  }
  const variant = fsync === 'everysec' ? '' : `, appendfsync ${fsync}`;
  report(
    `vote ingest (POST /api/vote, distinct voters, 100 connections; vote app and Redis only${variant})`,
    {
      'vote req/s (median)': round(median(voting)),
      'bare node req/s (median)': round(median(baseline)),
      'ratio vote / bare': round(median(voting) / median(baseline), 2),
      'runs (vote req/s)': voting.map(v => round(v)),
      'non-202 answers': rejected,
      'target req/s': 12_000,
    },
  );
  return median(baseline);
}

async function endToEnd(bareRps: number) {
  // Who used the two cores meanwhile: says where the time goes (`other` is anything else running).
  const groups = {
    'vote app': /apps\/vote\/src/,
    worker: /apps\/worker\/src/,
    'result app': /apps\/result\/src/,
    redis: /redis-server/,
    postgres: /^postgres/,
    'load generator': /bench\/run\.ts/,
  };
  await withStack(async ({ vote, postgresUrl }) => {
    const cpuBefore = cpuSeconds(groups);
    const started = Date.now();
    const run = await load(vote.url, { duration: seconds(30) });
    const loadEnded = Date.now();
    const counted = await waitFor(
      'every accepted vote counted',
      async () => {
        const { rows } = await storedVotes(postgresUrl);
        return rows >= run.accepted ? Date.now() : undefined;
      },
      120_000,
      20,
    );
    const cpu = cpuSpent(cpuBefore, cpuSeconds(groups));
    const { rows, tallied } = await storedVotes(postgresUrl);
    report(
      `end to end (first POST → last vote counted in PostgreSQL, ${seconds(
        30,
      )} s of load)`,
      {
        'votes accepted (202 seen)': run.accepted,
        'votes counted': rows,
        // autocannon stops counting answers at the deadline; the server still takes what was in flight
        'in flight at the deadline': rows - run.accepted,
        'running totals agree': tallied === rows,
        'votes/s end to end': round(
          run.accepted / ((counted - started) / 1000),
        ),
        'worker drain after load (ms)': counted - loadEnded,
        'bare node req/s (from ingest)': round(bareRps),
        'ratio e2e / bare': round(
          run.accepted / ((counted - started) / 1000) / bareRps,
          2,
        ),
        'target votes/s': 10_000,
        'CPU seconds by process': cpu,
      },
    );
  });
}

/** Sends votes at a fixed rate and pairs each accepted vote with the first push that counts it. */
async function screenLatency(
  url: string,
  rate: number,
  duration: number,
): Promise<number[]> {
  const client = new ResultsClient(url);
  const first = await client.waitFor(() => true);
  const acceptedAt: number[] = [];
  await autocannon({
    url,
    connections: 10,
    overallRate: rate,
    duration,
    requests: [
      {
        ...VOTE_REQUEST,
        path: '/api/vote',
        onResponse: (status: number) =>
          void (status === 202 && acceptedAt.push(Date.now())),
      },
    ],
  });
  const expected = first.total + acceptedAt.length;
  await client.waitFor(r => r.total >= expected, 10_000);
  client.close();
  const pushes = client.received;
  return acceptedAt.map((at, i) => {
    const push = pushes.find(p => p.results.total >= first.total + i + 1)!;
    return Math.max(0, push.at - at);
  });
}

async function latency() {
  const rate = 1_000;
  const bare = await bareServer('socket');
  let baseline: number[];
  let voting: number[] = [];
  try {
    baseline = await screenLatency(bare.url, rate, seconds(15));
  } finally {
    bare.stop();
  }
  await withStack(async ({ vote, result }) => {
    // The vote and result apps are two servers; the generator posts to one, listens to the other.
    const client = new ResultsClient(result.url);
    const first = await client.waitFor(() => true);
    const acceptedAt: number[] = [];
    await autocannon({
      url: vote.url,
      connections: 10,
      overallRate: rate,
      duration: seconds(15),
      requests: [
        {
          ...VOTE_REQUEST,
          path: '/api/vote',
          onResponse: (status: number) =>
            void (status === 202 && acceptedAt.push(Date.now())),
        },
      ],
    });
    await client.waitFor(
      r => r.total >= first.total + acceptedAt.length,
      20_000,
    );
    client.close();
    voting = acceptedAt.map((at, i) =>
      Math.max(
        0,
        client.received.find(p => p.results.total >= first.total + i + 1)!.at -
          at,
      ),
    );
  });
  report(
    `vote-to-screen latency at ${rate} votes/s (accepted → pushed to a socket.io client)`,
    {
      'votes measured': voting.length,
      'p50 ms': percentile(voting, 50),
      'p99 ms': percentile(voting, 99),
      'bare socket.io p50 ms': percentile(baseline, 50),
      'bare socket.io p99 ms': percentile(baseline, 99),
      'target p99 ms': 100,
    },
  );
}

async function connectClients(
  url: string,
  count: number,
): Promise<ResultsClient[]> {
  const clients: ResultsClient[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from(
      { length: Math.min(100, count - i) },
      () => new ResultsClient(url),
    );
    await Promise.all(batch.map(c => c.waitFor(() => true, 30_000)));
    clients.push(...batch);
  }
  return clients;
}

/** Delivery times of one change to every client, over several changes. */
async function fanOutOnce(
  clients: ResultsClient[],
  trigger: () => Promise<unknown>,
  rounds: number,
): Promise<number[]> {
  const delays: number[] = [];
  for (let done = 0; done < rounds; done++) {
    const before = clients.map(c => c.received.length);
    const startedAt = Date.now();
    await trigger();
    await Promise.all(
      clients.map((c, i) =>
        waitFor(
          'a push',
          async () => c.received.length > before[i]!,
          10_000,
          5,
        ),
      ),
    );
    for (const [i, c] of clients.entries())
      delays.push(c.received[before[i]!]!.at - startedAt);
    await sleep(300);
  }
  return delays;
}

async function fanOut() {
  const count = quick ? 500 : 2_000;
  const rounds = quick ? 2 : 5;
  const bare = await bareServer('socket');
  let baseline: number[];
  try {
    const clients = await connectClients(bare.url, count);
    baseline = await fanOutOnce(
      clients,
      () => fetch(`${bare.url}/api/vote`, { ...VOTE_REQUEST }),
      rounds,
    );
    for (const c of clients) c.close();
  } finally {
    bare.stop();
  }
  await withStack(async ({ vote, result }) => {
    const clients = await connectClients(result.url, count);
    const voting = await fanOutOnce(
      clients,
      () => fetch(`${vote.url}/api/vote`, { ...VOTE_REQUEST }),
      rounds,
    );
    for (const c of clients) c.close();
    report(
      `fan-out (${count} result clients, one vote → every client updated, ${rounds} rounds)`,
      {
        'deliveries measured': voting.length,
        'p50 ms': percentile(voting, 50),
        'p99 ms': percentile(voting, 99),
        'bare socket.io p50 ms': percentile(baseline, 50),
        'bare socket.io p99 ms': percentile(baseline, 99),
        'target p99 ms': 1_000,
      },
    );
  });
}

const only = process.argv.slice(2).filter(a => !a.startsWith('--'));
const wanted = (name: string) => only.length === 0 || only.includes(name);
console.log(
  `# voting-platform benchmarks${
    quick ? ' (quick)' : ''
  }: ${new Date().toISOString()}`,
);
let bareRps = 0;
if (wanted('ingest') || wanted('e2e')) bareRps = await ingest();
// Only when named (`npm run bench -- ingest fsync`): the cost of fsyncing every write.
if (only.includes('fsync')) await ingest('always');
if (wanted('e2e')) await endToEnd(bareRps);
if (wanted('latency')) await latency();
if (wanted('fanout')) await fanOut();
if (wanted('viewers')) await viewers();

mkdirSync(resolve(root, 'bench/results'), { recursive: true });
writeFileSync(
  resolve(root, 'bench/results/latest.json'),
  `${JSON.stringify(
    { at: new Date().toISOString(), quick, figures },
    null,
    2,
  )}\n`,
);
console.log('\nwritten to bench/results/latest.json');
