import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CacheService } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  certificateRequest,
  ManualClock,
  NO_MACHINE_ADDRESS,
  routeServiceToAddress,
  startPrometheusStandIn,
  useSandbox,
  type PrometheusStandIn,
} from '@voting-platform/cloud-sandbox';
import {
  digitalOceanCall,
  startLocalCluster,
  type LocalCluster,
} from '@voting-platform/plugin-kubernetes-node/testUtils';
import { sleep } from '@voting-platform/timing';
import { type EnvironmentStatus } from '@voting-platform/plugin-voting-common';
import {
  environmentSpecFixture,
  votingEnvironmentFixture,
} from '@voting-platform/plugin-voting-common/testUtils';
import { ConfigReader } from '@backstage/config';
import request from 'supertest';
import { checkAlerts } from './sections';
import { StatusService } from './StatusService';
import {
  ownerTeamDecision,
  startStatusTestBackend,
  type StatusTestBackend,
} from './__testUtils__/statusTestBackend';

jest.setTimeout(120_000);

const RESULTS = {
  poll: 'pets',
  question: 'Cats or dogs?',
  total: 3,
  options: [
    { id: 'a', label: 'Cats', votes: 2, percent: 66.7 },
    { id: 'b', label: 'Dogs', votes: 1, percent: 33.3 },
  ],
};

const DAY_MS = 24 * 3600 * 1000;

/** An alert as Prometheus' `GET /api/v1/alerts` lists it. */
const alert = (
  alertname: string,
  severity: string,
  state = 'firing',
  summary = `${alertname} is firing`,
) => ({
  labels: { alertname, severity, namespace: 'voting' },
  annotations: { summary },
  state,
  activeAt: '2026-11-30T21:00:00Z',
  value: '1e+00',
});

/** kube-prometheus-stack's two alerts that always fire, whatever the cluster's health. */
const ALWAYS_FIRING = [
  alert('Watchdog', 'none'),
  alert('InfoInhibitor', 'none'),
];

const PROMETHEUS_SERVICE = 'kps-kube-prometheus-prometheus';

const labels = (name: string) => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/part-of': 'voting-app',
});

/** The queue's StatefulSet as the voting manifests make it (labels and replicas). */
const queueStatefulSet = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'redis', namespace: 'voting', labels: labels('redis') },
  spec: {
    replicas: 1,
    serviceName: 'redis',
    selector: { matchLabels: labels('redis') },
    template: {
      metadata: { labels: labels('redis') },
      spec: { containers: [{ name: 'redis', image: 'example/redis:7' }] },
    },
  },
};

/** A voting Deployment as the voting manifests make it; `stuck` ones can never be scheduled. */
const deployment = (name: string, stuck = false) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'voting', labels: labels(name) },
  spec: {
    replicas: 1,
    selector: { matchLabels: labels(name) },
    template: {
      metadata: { labels: labels(name) },
      spec: {
        ...(stuck ? { nodeSelector: { 'no-such-node': 'true' } } : {}),
        containers: [{ name, image: `example/${name}:1` }],
      },
    },
  },
});

describe('GET /environments/:name/status', () => {
  // the emulator's time starts 350 days ago, so that the Origin CA certificates it issues now
  // (validity 7, 365 or 5475 days) are expired, expiring within 30 days and valid for the
  // backend, which checks against the real time
  const clock = new ManualClock(Date.now() - 350 * DAY_MS);
  const env = useSandbox(
    { beforeAll, afterAll, afterEach },
    { clock, coverageDir: false, cloudflare: { zones: ['example.com'] } },
  );
  let cluster: LocalCluster;
  let resultService: Server;
  /**
   * Prometheus' stand-in (sandbox mode's). The section is tested against the real API server's
   * service proxy, but not against a real Prometheus: kube-prometheus-stack cannot run on kwok's
   * pretend pods and no Prometheus binary is available here.
   */
  let prometheus: PrometheusStandIn;
  let prometheusAlerts: any[] = ALWAYS_FIRING;
  let server: StatusTestBackend['server'];
  let stopBackend: () => Promise<void>;
  let lbIp: string;
  const responses: string[] = [];
  const ids = { cluster: '', brokenCluster: '', database: '', newDatabase: '' };

  const doCall = (method: string, path: string, body?: unknown) =>
    digitalOceanCall(env.sandbox.digitalocean)(method, path, body);

  async function cfCall(method: string, path: string, body?: unknown) {
    const { cloudflare } = env.sandbox;
    const res = await fetch(`${cloudflare.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${cloudflare.token}`,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
    return res.json() as Promise<any>;
  }

  const newCluster = async (name: string) =>
    (
      await doCall('POST', '/kubernetes/clusters', {
        name,
        region: 'nyc1',
        version: 'latest',
        node_pools: [{ name: 'pool', size: 's-2vcpu-4gb', count: 2 }],
      })
    ).kubernetes_cluster.id as string;
  const newDatabase = async (name: string) =>
    (
      await doCall('POST', '/databases', {
        name,
        engine: 'pg',
        version: '16',
        region: 'nyc1',
        size: 'db-s-1vcpu-1gb',
        num_nodes: 1,
      })
    ).database.id as string;

  async function addRecord(name: string, content: string) {
    const zone = (await cfCall('GET', '/zones?name=example.com')).result[0];
    await cfCall('POST', `/zones/${zone.id}/dns_records`, {
      type: 'A',
      name,
      content,
      proxied: true,
      ttl: 1,
    });
  }

  async function register(
    name: string,
    fields: Partial<ReturnType<typeof environmentSpecFixture>> = {},
  ) {
    const port = (resultService.address() as AddressInfo).port;
    await request(server)
      .put(`/api/voting/environments/${name}`)
      .set('authorization', mockCredentials.service.header())
      .send({
        ...environmentSpecFixture(),
        clusterId: ids.cluster,
        databaseId: ids.database,
        domain: 'demo.example.com',
        resultUrl: `http://127.0.0.1:${port}`,
        ...fields,
      })
      .expect(200);
  }

  async function status(name: string, expected = 200) {
    const res = await request(server)
      .get(`/api/voting/environments/${name}/status`)
      .set('authorization', mockCredentials.user.header())
      .expect(expected);
    responses.push(res.text);
    return res.body as EnvironmentStatus;
  }

  /** Polls until `check` answers something, for at most a minute. */
  async function until<T>(
    what: string,
    check: () => Promise<T | undefined>,
  ): Promise<T> {
    const deadline = Date.now() + 60_000;
    let value = await check();
    while (value === undefined) {
      if (Date.now() > deadline) throw new Error(`${what}: timed out`);
      await sleep(250);
      value = await check();
    }
    return value;
  }

  const ready = (workloads: Array<[kind: string, name: string]>) =>
    until('voting workloads ready', async () => {
      const all = await Promise.all(
        workloads.map(([kind, name]) =>
          cluster.admin.get<any>('apps/v1', kind, name, 'voting'),
        ),
      );
      return all.every(d => d?.status?.readyReplicas === 1) ? true : undefined;
    });

  /** Routes the Prometheus Service to `port` of `ip` (this machine's address by default). */
  const routePrometheus = (port: number, ip = prometheus.ip) =>
    routeServiceToAddress(cluster.adminKubeconfig, {
      namespace: 'monitoring',
      service: PROMETHEUS_SERVICE,
      portName: 'http-web',
      ip,
      port,
    });

  beforeAll(async () => {
    cluster = await startLocalCluster();
    resultService = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(RESULTS));
    });
    await new Promise<void>(resolve =>
      resultService.listen(0, '127.0.0.1', resolve),
    );
    prometheus = await startPrometheusStandIn(() => prometheusAlerts);
    const { digitalocean } = env.sandbox;
    // Origin CA certificates, issued 350 days ago in the emulator's time
    for (const [domain, days] of [
      ['demo.example.com', 5475],
      ['expiring.example.com', 365],
      ['expired.example.com', 7],
    ] as const) {
      const hostnames = [`vote.${domain}`, `result.${domain}`];
      await cfCall('POST', '/certificates', {
        csr: (await certificateRequest(hostnames)).csr,
        hostnames,
        request_type: 'origin-rsa',
        requested_validity: days,
      });
    }
    ids.cluster = await newCluster('demo');
    ids.brokenCluster = await newCluster('broken');
    ids.database = await newDatabase('demo-db');
    clock.advance(10 * 60_000);
    ids.newDatabase = await newDatabase('new-db');
    // every emulated cluster "at DigitalOcean" is the local control plane
    digitalocean.override('kubernetes_get_kubeconfig', () => ({
      status: 200,
      text: cluster.tokenKubeconfig,
      contentType: 'application/yaml',
    }));
    for (const obj of [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'voting' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'traefik' } },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'traefik', namespace: 'traefik' },
        spec: {
          type: 'LoadBalancer',
          selector: { app: 'traefik' },
          ports: [{ name: 'websecure', port: 443, targetPort: 8443 }],
        },
      },
      deployment('vote'),
      deployment('result'),
      queueStatefulSet,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } },
      // kube-prometheus-stack's Prometheus Service (release "kps"), without a selector: its
      // Endpoints, below, say where Prometheus is
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: PROMETHEUS_SERVICE,
          namespace: 'monitoring',
          labels: {
            app: 'kube-prometheus-stack-prometheus',
            release: 'kps',
            'self-monitor': 'true',
          },
        },
        spec: {
          ports: [
            { name: 'http-web', port: 9090, targetPort: 9090 },
            { name: 'reloader-web', port: 8080, targetPort: 8080 },
          ],
        },
      },
    ])
      await cluster.admin.apply(obj as any, { fieldManager: 'test' });
    await routePrometheus(prometheus.port);
    await ready([
      ['Deployment', 'vote'],
      ['Deployment', 'result'],
      ['StatefulSet', 'redis'],
    ]);
    lbIp = await until(
      "Traefik's load-balancer address",
      async () =>
        (
          await cluster.admin.get<any>('v1', 'Service', 'traefik', 'traefik')
        )?.status?.loadBalancer?.ingress?.[0]?.ip,
    );
    await addRecord('vote.demo.example.com', lbIp);
    await addRecord('result.demo.example.com', lbIp);
    await addRecord('vote.other.example.com', lbIp);
    for (const domain of ['expiring.example.com', 'expired.example.com']) {
      await addRecord(`vote.${domain}`, lbIp);
      await addRecord(`result.${domain}`, lbIp);
    }
    const zone = (await cfCall('GET', '/zones?name=example.com')).result[0];
    await cfCall('PATCH', `/zones/${zone.id}/settings/ssl`, {
      value: 'strict',
    });

    const port = (resultService.address() as AddressInfo).port;
    const backend = await startStatusTestBackend({
      sandbox: env.sandbox,
      voting: {
        allowedResultHosts: [`127.0.0.1:${port}`],
        status: { cacheSeconds: 300 },
      },
      authorizeConditional: async requests =>
        requests.map(() => ownerTeamDecision()),
    });
    server = backend.server;
    stopBackend = backend.stop;
  });

  afterEach(() => {
    prometheusAlerts = ALWAYS_FIRING;
  });

  afterAll(async () => {
    await stopBackend?.();
    resultService?.close();
    await prometheus?.stop();
    cluster?.stop();
  });

  it('reports a healthy environment, every section ok', async () => {
    await register('healthy');
    const s = await status('healthy');
    expect(s.cluster).toMatchObject({
      state: 'ok',
      detail: { state: 'running', ha: false, upgradeAvailable: null },
    });
    expect(s.cluster.detail?.nodePools).toEqual([
      { name: 'pool', size: 's-2vcpu-4gb', ready: 2, desired: 2 },
    ]);
    expect(s.database).toMatchObject({
      state: 'ok',
      detail: { status: 'online', version: '16', nodes: 1 },
    });
    expect(s.database.detail?.latestBackupAt).toEqual(expect.any(String));
    expect(s.dns).toMatchObject({
      state: 'ok',
      detail: { zone: 'example.com', sslMode: 'strict' },
    });
    expect(s.dns.detail?.records).toEqual([
      expect.objectContaining({
        name: 'vote.demo.example.com',
        present: true,
        proxied: true,
        pointsAtLoadBalancer: true,
      }),
      expect.objectContaining({
        name: 'result.demo.example.com',
        pointsAtLoadBalancer: true,
      }),
    ]);
    expect(s.workloads).toMatchObject({
      state: 'ok',
      detail: {
        loadBalancer: lbIp,
        deployments: [
          { namespace: 'voting', name: 'result', ready: 1, desired: 1 },
          { namespace: 'voting', name: 'vote', ready: 1, desired: 1 },
        ],
        statefulSets: [
          { namespace: 'voting', name: 'redis', ready: 1, desired: 1 },
        ],
      },
    });
    expect(s.dns.detail?.originCertificate).toMatchObject({
      hostnames: ['vote.demo.example.com', 'result.demo.example.com'],
      daysLeft: 5475 - 350 - 1,
    });
    // Watchdog and InfoInhibitor fire, and are left out
    expect(s.alerts).toMatchObject({
      state: 'ok',
      detail: {
        prometheus: 'monitoring/kps-kube-prometheus-prometheus',
        alerts: [],
      },
    });
    expect(prometheus.paths).toContain('/api/v1/alerts');
    expect(s.votes).toMatchObject({ state: 'ok', detail: RESULTS });
    for (const section of [s.cluster, s.database, s.dns, s.workloads, s.alerts])
      expect(Date.parse(section.checkedAt)).not.toBeNaN();
  });

  it('reports a degraded cluster without touching the other sections', async () => {
    env.sandbox.digitalocean.breakCluster(ids.brokenCluster, {
      state: 'degraded',
      message: 'a node is not ready',
    });
    await register('degraded', { clusterId: ids.brokenCluster });
    const s = await status('degraded');
    expect(s.cluster).toMatchObject({
      state: 'warning',
      detail: { state: 'degraded', message: 'a node is not ready' },
    });
    expect([s.database.state, s.dns.state, s.votes.state]).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
  });

  it('reports a database still being created', async () => {
    await register('new-db', { databaseId: ids.newDatabase });
    const s = await status('new-db');
    expect(s.database).toMatchObject({
      state: 'pending',
      detail: { status: 'creating', latestBackupAt: null },
    });
    expect([s.cluster.state, s.dns.state, s.votes.state]).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
  });

  it('reports a missing DNS record', async () => {
    await register('no-record', { domain: 'other.example.com' });
    const s = await status('no-record');
    expect(s.dns.state).toBe('error');
    expect(s.dns.detail?.records).toEqual([
      expect.objectContaining({
        name: 'vote.other.example.com',
        present: true,
      }),
      expect.objectContaining({
        name: 'result.other.example.com',
        present: false,
      }),
    ]);
    expect([s.cluster.state, s.database.state, s.votes.state]).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
  });

  it("checks Grafana's record too where the environment has a Grafana", async () => {
    await register('with-grafana', {
      grafanaUrl: 'https://grafana.demo.example.com',
    });
    const s = await status('with-grafana');
    expect(s.dns.detail?.records.map(r => [r.name, r.present])).toEqual([
      ['vote.demo.example.com', true],
      ['result.demo.example.com', true],
      ['grafana.demo.example.com', false],
    ]);
    expect(s.dns.state).toBe('error');
  });

  it('reports a result service outside voting.allowedResultHosts without asking it', async () => {
    const port = (resultService.address() as AddressInfo).port;
    await register('foreign', { resultUrl: `http://localhost:${port}` });
    const s = await status('foreign');
    expect(s.votes).toMatchObject({
      state: 'error',
      detail: null,
      error: `localhost:${port} is not in voting.allowedResultHosts`,
    });
    expect(s.cluster.state).toBe('ok');
  });

  it('answers many concurrent viewers with one provider call per section', async () => {
    await register('watched');
    const { digitalocean, cloudflare } = env.sandbox;
    const doBefore = digitalocean.requests.length;
    const cfBefore = cloudflare.requests.length;
    const answers = await Promise.all(
      Array.from({ length: 25 }, () => status('watched')),
    );
    await Promise.all(Array.from({ length: 25 }, () => status('watched')));
    expect(new Set(answers.map(a => a.cluster.checkedAt)).size).toBe(1);
    const ops = (records: { operationId?: string }[]) =>
      records.map(r => r.operationId).sort();
    // cluster (get, upgrades), database (get, backups), workloads and alerts (a kubeconfig each)
    expect(ops(digitalocean.requests.slice(doBefore))).toEqual([
      'databases_get_cluster',
      'databases_list_backups',
      'kubernetes_get_availableUpgrades',
      'kubernetes_get_cluster',
      'kubernetes_get_kubeconfig',
      'kubernetes_get_kubeconfig',
    ]);
    // dns: the zone (demo.example.com is none, example.com is), its SSL mode, the two records
    // and the zone's origin certificates
    expect(ops(cloudflare.requests.slice(cfBefore))).toEqual([
      'dns-records-for-a-zone-list-dns-records',
      'dns-records-for-a-zone-list-dns-records',
      'origin-ca-list-certificates',
      'zone-settings-get-single-setting',
      'zones-get',
      'zones-get',
    ]);
  });

  it("checks anew what is cached when a watch's interval refreshes, and the viewers meanwhile share that check", async () => {
    const { digitalocean } = env.sandbox;
    // the backend's cache service, as plain as it gets: the entries never expire by themselves
    const entries = new Map<string, unknown>();
    const cache: CacheService = {
      get: async key => entries.get(key) as any,
      set: async (key, value) => void entries.set(key, value),
      delete: async key => void entries.delete(key),
      withOptions: () => cache,
    };
    const service = new StatusService({
      config: new ConfigReader({
        digitalocean: { token: digitalocean.token, apiUrl: digitalocean.url },
      }),
      logger: mockServices.logger.mock(),
      cache,
      cacheSeconds: 3600,
      resultsTimeoutMs: 1000,
    });
    const environment = {
      ...votingEnvironmentFixture(),
      clusterId: ids.cluster,
      databaseId: ids.database,
    };
    const checks = () =>
      digitalocean.requests.filter(
        r => r.operationId === 'databases_get_cluster',
      ).length;
    const before = checks();
    const first = await service.section(environment, 'database');
    expect(first.state).toBe('ok');
    expect(await service.section(environment, 'database')).toEqual(first);
    expect(checks()).toBe(before + 1);

    await sleep(5); // a later check has a later checkedAt
    const [viewerBefore, refreshed, viewerDuring] = await Promise.all([
      service.section(environment, 'database'),
      service.section(environment, 'database', { refresh: true }),
      service.section(environment, 'database'),
    ]);
    expect(checks()).toBe(before + 2);
    expect(viewerBefore).toEqual(first); // it was reading the cache already
    expect(refreshed.checkedAt > first.checkedAt).toBe(true);
    expect(viewerDuring).toEqual(refreshed);
    expect(await service.section(environment, 'database')).toEqual(refreshed);
    expect(checks()).toBe(before + 2);
  });

  it('reports a provider that rate-limits as rate-limited, the rest as usual', async () => {
    await register('limited');
    env.sandbox.digitalocean.faults.add({
      operationId: 'kubernetes_get_cluster',
      status: 429,
      retryAfter: 30,
    });
    env.sandbox.cloudflare.faults.add({
      operationId: 'zones-get',
      status: 429,
      retryAfter: 30,
    });
    const s = await status('limited');
    expect(s.cluster).toMatchObject({ state: 'rate-limited', detail: null });
    expect(s.cluster.error).toMatch(/DigitalOcean is rate-limiting/);
    expect(s.dns).toMatchObject({ state: 'rate-limited', detail: null });
    expect(s.dns.error).toMatch(/Cloudflare is rate-limiting/);
    expect([s.database.state, s.workloads.state, s.votes.state]).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
  });

  it('refuses an environment the permission policy denies, alone and in a batch', async () => {
    await register('forbidden', { owner: 'group:default/another-team' });
    await status('forbidden', 403);
    const res = await request(server)
      .post('/api/voting/environments/status')
      .set('authorization', mockCredentials.user.header())
      .send({ names: ['forbidden', 'healthy', 'nowhere'] })
      .expect(200);
    responses.push(res.text);
    expect(res.body.items.map((i: EnvironmentStatus) => i.name)).toEqual([
      'healthy',
    ]);
    expect(res.body).toMatchObject({
      denied: ['forbidden'],
      missing: ['nowhere'],
    });
    await request(server)
      .get('/api/voting/environments/healthy/status')
      .set('authorization', mockCredentials.none.header())
      .expect(401);
  });

  it('reports a voting Deployment and a queue StatefulSet that are not ready', async () => {
    await cluster.admin.apply(deployment('worker', true) as any, {
      fieldManager: 'test',
    });
    const stuckQueue = structuredClone(queueStatefulSet) as any;
    stuckQueue.metadata.name = 'nats';
    stuckQueue.spec.template.spec.nodeSelector = { 'no-such-node': 'true' };
    await cluster.admin.apply(stuckQueue, { fieldManager: 'test' });
    await register('stuck');
    const s = await status('stuck');
    expect(s.workloads.state).toBe('error');
    expect(s.workloads.detail?.deployments).toContainEqual({
      namespace: 'voting',
      name: 'worker',
      ready: 0,
      desired: 1,
    });
    expect(s.workloads.detail?.statefulSets).toEqual([
      { namespace: 'voting', name: 'nats', ready: 0, desired: 1 },
      { namespace: 'voting', name: 'redis', ready: 1, desired: 1 },
    ]);
    expect([s.cluster.state, s.database.state, s.votes.state]).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
  });

  it("runs against an API server that refuses loopback endpoints (why the stand-in listens on this machine's address)", async () => {
    await expect(routePrometheus(9090, '127.0.0.1')).rejects.toThrow(
      /may not be in the loopback range/,
    );
  });

  it('reports firing alerts by severity, without Watchdog and InfoInhibitor, the rest as usual', async () => {
    prometheusAlerts = [
      ...ALWAYS_FIRING,
      alert('KubeDeploymentReplicasMismatch', 'warning'),
      alert('CPUThrottlingHigh', 'info'),
      // pending: its `for:` time has not passed, so it does not fire yet
      alert('KubePodNotReady', 'critical', 'pending'),
    ];
    await register('warned');
    const warned = await status('warned');
    expect(warned.alerts.state).toBe('warning');
    expect(warned.alerts.detail?.alerts).toEqual([
      {
        name: 'KubeDeploymentReplicasMismatch',
        severity: 'warning',
        namespace: 'voting',
        summary: 'KubeDeploymentReplicasMismatch is firing',
        activeAt: '2026-11-30T21:00:00Z',
      },
      expect.objectContaining({ name: 'CPUThrottlingHigh', severity: 'info' }),
    ]);

    prometheusAlerts = [
      ...ALWAYS_FIRING,
      alert('CPUThrottlingHigh', 'info'),
      alert('KubePodCrashLooping', 'critical'),
    ];
    await register('alerting');
    const alerting = await status('alerting');
    expect(alerting.alerts.state).toBe('error');
    expect(alerting.alerts.detail?.alerts.map(a => a.name)).toEqual([
      'KubePodCrashLooping',
      'CPUThrottlingHigh',
    ]);
    expect(
      [alerting.cluster, alerting.database, alerting.dns, alerting.votes].map(
        x => x.state,
      ),
    ).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('says so when Prometheus cannot be reached, the rest as usual', async () => {
    // a port where nothing listens any more
    const closed = createServer();
    await new Promise<void>(resolve =>
      closed.listen(0, prometheus.ip, resolve),
    );
    const port = (closed.address() as AddressInfo).port;
    await new Promise(resolve => closed.close(resolve));
    await routePrometheus(port);
    try {
      await register('unwatched');
      const s = await status('unwatched');
      expect(s.alerts).toMatchObject({ state: 'error', detail: null });
      expect(s.alerts.error).toMatch(
        /^Prometheus \(monitoring\/kps-kube-prometheus-prometheus\) could not be reached through the Kubernetes API server's service proxy: .*503/,
      );
      expect([s.cluster, s.database, s.dns, s.votes].map(x => x.state)).toEqual(
        ['ok', 'ok', 'ok', 'ok'],
      );
    } finally {
      await routePrometheus(prometheus.port);
    }
  });

  it("says why in sandbox mode when npm start could not serve the clusters' Prometheus, without asking the service proxy", async () => {
    const { digitalocean } = env.sandbox;
    const asked = prometheus.paths.length;
    await expect(
      checkAlerts(
        { ...votingEnvironmentFixture(), clusterId: ids.cluster },
        {
          config: new ConfigReader({
            digitalocean: {
              token: digitalocean.token,
              apiUrl: digitalocean.url,
            },
            voting: {
              sandbox: {
                voteUrl: 'http://localhost:8080',
                resultUrl: 'http://localhost:8081',
                alertsUnavailable: NO_MACHINE_ADDRESS,
              },
            },
          }),
          logger: mockServices.logger.mock(),
          resultsTimeoutMs: 500,
          loadBalancerAddress: async () => null,
        },
      ),
    ).rejects.toThrow(
      `Prometheus (monitoring/kps-kube-prometheus-prometheus) cannot be reached in sandbox mode: ${NO_MACHINE_ADDRESS}`,
    );
    expect(prometheus.paths).toHaveLength(asked);
  });

  it('warns of an origin certificate that expires within 30 days', async () => {
    await register('expiring', { domain: 'expiring.example.com' });
    const s = await status('expiring');
    expect(s.dns).toMatchObject({
      state: 'warning',
      detail: {
        originCertificate: {
          hostnames: [
            'vote.expiring.example.com',
            'result.expiring.example.com',
          ],
          daysLeft: 365 - 350 - 1,
        },
      },
    });
    expect(s.dns.detail?.records.every(r => r.pointsAtLoadBalancer)).toBe(true);
    expect([s.cluster.state, s.database.state, s.votes.state]).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
  });

  it('reports an expired origin certificate as an error', async () => {
    await register('expired', { domain: 'expired.example.com' });
    const s = await status('expired');
    expect(s.dns.state).toBe('error');
    expect(s.dns.detail?.originCertificate?.daysLeft).toBe(7 - 350 - 1);
    expect(Date.parse(s.dns.detail!.originCertificate!.expiresOn)).toBeLessThan(
      Date.now(),
    );
    expect([s.cluster.state, s.database.state, s.votes.state]).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
  });

  it('puts no secret in any answer', () => {
    const { digitalocean, cloudflare } = env.sandbox;
    const secrets = [
      digitalocean.token,
      cloudflare.token,
      cluster.token,
      ...digitalocean.secrets(),
    ];
    expect(responses.length).toBeGreaterThan(50);
    for (const text of responses)
      for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
