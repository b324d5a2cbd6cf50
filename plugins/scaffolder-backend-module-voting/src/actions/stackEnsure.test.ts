import type { LoggerService } from '@backstage/backend-plugin-api';
import * as k8s from '@kubernetes/client-node';
import {
  checkWithServer,
  KubernetesConnection,
  waitForRollouts,
  type KubeObject,
} from '@voting-platform/plugin-kubernetes-node';
import {
  installCrds,
  minimalCrds,
} from '@voting-platform/plugin-kubernetes-node/testUtils';
import {
  Crash,
  runAction,
  type RunOptions,
} from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { sleep } from '@voting-platform/timing';
import { useStackCluster } from '../__testUtils__/stack';
import { createVotingStackEnsureAction, FIELD_MANAGER } from './stackEnsure';

/** When set, this changes the generated manifests (a typo, as a bug in the generator would make). */
let mockBreakManifests: ((objects: KubeObject[]) => void) | undefined;
jest.mock('../manifests', () => {
  const actual = jest.requireActual('../manifests');
  return {
    ...actual,
    votingManifests: (options: unknown) => {
      const objects = actual.votingManifests(options);
      mockBreakManifests?.(objects);
      return objects;
    },
  };
});

jest.setTimeout(120_000);

/** The test's volumes (see provideTestStorage): the real default, do-block-storage, has no provisioner here. */
const STORAGE_CLASS = 'test-block';

describe('voting:stack:ensure against a local control plane', () => {
  // three nodes: NATS's pods must each have their own
  const h = useStackCluster({
    nodes: 3,
    storageClass: STORAGE_CLASS,
    volumes: 14,
  });
  const cookieSecret = 'cookie-secret-of-the-deploy-test-0123456789';

  const logs: string[] = [];
  const allOutputs: unknown[] = [];
  async function run(
    input: Record<string, unknown>,
    opts: RunOptions = {},
  ): Promise<Record<string, any>> {
    const action = createVotingStackEnsureAction({
      config: h.config(),
      loadBalancerTimeoutMs: 30_000,
    });
    try {
      const result = await runAction(action, input, opts);
      logs.push(...result.logs);
      allOutputs.push(result.outputs);
      return result.outputs;
    } catch (err) {
      logs.push(...((err as { logs?: string[] }).logs ?? []));
      throw err;
    }
  }
  const base = () => ({
    clusterId: h.clusterId,
    databaseId: h.databaseId,
    databasePool: h.databasePool,
    domain: 'example.com',
    imageRepository: 'registry.example.com/acme',
    imageTag: '1.0.0',
    namespace: 'voting',
    rolloutTimeoutSeconds: 90,
    storageClassName: STORAGE_CLASS,
    grafanaService: 'kube-prometheus-stack-grafana',
    monitoringNamespace: 'monitoring',
  });

  /**
   * Controllers write the status of these kinds whenever they like (an autoscaler's metrics, a
   * rollout's counts), which bumps resourceVersion; their generation moves only when the spec does.
   */
  const statusWrittenByControllers = new Set([
    'Deployment',
    'StatefulSet',
    'PodDisruptionBudget',
    'HorizontalPodAutoscaler',
  ]);

  /** What a re-run must leave unchanged: resourceVersion, or generation where a controller writes status. */
  async function resourceVersions(
    objects: string[],
  ): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const ref of objects) {
      const parts = ref.split('/');
      const kind = parts[0]!;
      const [namespace, name] =
        parts.length === 3 ? [parts[1], parts[2]!] : [undefined, parts[1]!];
      const apiVersion: Record<string, string> = {
        Namespace: 'v1',
        Secret: 'v1',
        ConfigMap: 'v1',
        Service: 'v1',
        Deployment: 'apps/v1',
        StatefulSet: 'apps/v1',
        PodDisruptionBudget: 'policy/v1',
        HorizontalPodAutoscaler: 'autoscaling/v2',
        IngressRoute: 'traefik.io/v1alpha1',
        Ingress: 'networking.k8s.io/v1',
        ServiceMonitor: 'monitoring.coreos.com/v1',
        PrometheusRule: 'monitoring.coreos.com/v1',
      };
      const obj = await h.cluster.admin.get(
        apiVersion[kind]!,
        kind,
        name,
        namespace,
      );
      if (!obj) out[ref] = 'missing';
      else
        out[ref] = statusWrittenByControllers.has(kind)
          ? `generation ${obj.metadata.generation}`
          : obj.metadata.resourceVersion!;
    }
    return out;
  }

  it('rejects bad inputs before any request', async () => {
    const requests = h.env.sandbox.digitalocean.requests.length;
    await expect(
      run({ ...base(), optionA: 'Same', optionB: 'Same' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/optionB: must differ from optionA/),
    });
    await expect(
      run({ ...base(), voteMinReplicas: 5, voteMaxReplicas: 2 }),
    ).rejects.toThrow(/voteMinReplicas/);
    await expect(
      run(base(), { secrets: { voteCookieSecret: 'short' } }),
    ).rejects.toThrow(/at least 32/);
    expect(h.env.sandbox.digitalocean.requests.length).toBe(requests);
  });

  it('falls back to an Ingress and skips monitoring kinds when the CRDs are absent', async () => {
    const outputs = await run({
      ...base(),
      namespace: 'plain',
      workerReplicas: 1,
      resultReplicas: 1,
      voteMinReplicas: 1,
    });
    expect(outputs.objects).toContain('Ingress/plain/voting');
    expect(
      outputs.objects.some((o: string) => o.startsWith('ServiceMonitor/')),
    ).toBe(false);
    expect(logs.join('\n')).toMatch(
      /no IngressRoute CRD.*Ingress of class traefik/,
    );
    expect(logs.join('\n')).toMatch(
      /no ServiceMonitor\/PrometheusRule CRDs.*skipping/,
    );
    expect(outputs.grafanaUrl).toBeUndefined();
    expect(logs.join('\n')).toMatch(
      /Grafana \(Service monitoring\/kube-prometheus-stack-grafana\) gets no public address: an Ingress cannot route to a Service of another namespace/,
    );
    const ingress: any = await h.cluster.admin.get(
      'networking.k8s.io/v1',
      'Ingress',
      'voting',
      'plain',
    );
    expect(ingress.spec.tls[0]).toEqual({
      hosts: ['vote.example.com', 'result.example.com'],
      secretName: 'cloudflare-origin-tls',
    });
  });

  let firstObjects: string[] = [];
  /** A real run's outputs, with every key (the fallback run above has no Grafana address). */
  let fullDeployOutputs: Record<string, unknown> = {};
  it('deploys everything, applies CRD kinds after the CRDs exist, waits for Ready pods, outputs URLs and the LB address', async () => {
    await installCrds(h.cluster.admin, minimalCrds());
    const started = Date.now();
    const outputs = await run(base(), {
      secrets: { voteCookieSecret: cookieSecret },
    });
    firstObjects = outputs.objects;
    fullDeployOutputs = outputs;
    expect(outputs.voteUrl).toBe('https://vote.example.com');
    expect(outputs.resultUrl).toBe('https://result.example.com');
    expect(outputs.grafanaUrl).toBe('https://grafana.example.com');
    expect(outputs.loadBalancerAddress).toMatch(/^127\.0\.0\.\d+$/);
    expect(outputs.objects).toEqual(
      expect.arrayContaining([
        'Namespace/voting',
        'Secret/voting/voting-secrets',
        'Deployment/voting/vote',
        'Deployment/voting/worker',
        'Deployment/voting/result',
        'StatefulSet/voting/redis',
        'PodDisruptionBudget/voting/redis',
        'Service/voting/worker',
        'PodDisruptionBudget/voting/vote',
        'HorizontalPodAutoscaler/voting/vote',
        'IngressRoute/voting/voting',
        'ServiceMonitor/voting/vote',
        'ServiceMonitor/voting/worker',
        'PrometheusRule/voting/voting',
        'ConfigMap/voting/voting-dashboard-voting',
      ]),
    );
    // CRD-based kinds come after every built-in kind
    const firstCrdKind = outputs.objects.findIndex((o: string) =>
      /^(IngressRoute|ServiceMonitor|PrometheusRule)\//.test(o),
    );
    expect(
      outputs.objects
        .slice(firstCrdKind)
        .every((o: string) =>
          /^(IngressRoute|ServiceMonitor|PrometheusRule)\//.test(o),
        ),
    ).toBe(true);
    expect(outputs.changed).toHaveLength(outputs.objects.length);
    expect(outputs.outcome).toBe('created');

    const pods: any[] = await h.cluster.admin.list('v1', 'Pod', 'voting');
    const ready = pods.filter(p =>
      p.status?.conditions?.some(
        (c: any) => c.type === 'Ready' && c.status === 'True',
      ),
    );
    // vote 2 (autoscaler minimum), result 2, worker 1, redis 1
    expect(ready.length).toBe(6);
    const secret: any = await h.cluster.admin.get(
      'v1',
      'Secret',
      'voting-secrets',
      'voting',
    );
    // the app's own user: through the pool (PgBouncer's port, the pool's name as the database),
    // and straight to its database for sessions; never the admin
    const url = (key: string) =>
      new URL(Buffer.from(secret.data[key], 'base64').toString());
    expect(url('POSTGRES_URL')).toMatchObject({
      username: 'voting',
      password: h.appPassword,
      port: '25061',
      pathname: '/votes',
    });
    expect(url('POSTGRES_SESSION_URL')).toMatchObject({
      username: 'voting',
      password: h.appPassword,
      port: '25060',
      pathname: '/votes',
      hostname: url('POSTGRES_URL').hostname,
    });
    expect(JSON.stringify(secret.data)).not.toContain(
      Buffer.from(h.dbPassword).toString('base64').slice(0, 8),
    );
    for (const key of ['POSTGRES_URL', 'POSTGRES_SESSION_URL'])
      expect(url(key).toString()).not.toContain(h.dbPassword);
    const vote: any = await h.cluster.admin.get(
      'apps/v1',
      'Deployment',
      'vote',
      'voting',
    );
    expect(
      vote.metadata.managedFields.some(
        (f: any) => f.manager === FIELD_MANAGER && f.operation === 'Apply',
      ),
    ).toBe(true);
    const c = vote.spec.template.spec.containers[0];
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(c.resources.limits).toMatchObject({ cpu: '500m', memory: '256Mi' });
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    const route: any = await h.cluster.admin.get(
      'traefik.io/v1alpha1',
      'IngressRoute',
      'voting',
      'voting',
    );
    expect(route.spec.tls.secretName).toBe('cloudflare-origin-tls');
    expect(route.spec.routes.map((r: any) => r.match)).toEqual([
      'Host(`vote.example.com`)',
      'Host(`result.example.com`)',
      'Host(`grafana.example.com`)',
    ]);
    // kube-prometheus-stack's Grafana in its own namespace (Traefik's preset allows the reference)
    expect(route.spec.routes[2].services).toEqual([
      {
        name: 'kube-prometheus-stack-grafana',
        namespace: 'monitoring',
        port: 80,
      },
    ]);
    const dashboard: any = await h.cluster.admin.get(
      'v1',
      'ConfigMap',
      'voting-dashboard-voting',
      'voting',
    );
    expect(dashboard.metadata.labels.grafana_dashboard).toBe('1');
    expect(
      JSON.parse(dashboard.data['voting.json'])
        .panels.map((p: any) => p.targets[0].expr)
        .join(' '),
    ).toMatch(
      /votes_accepted_total.*votes_rejected_total.*queue_lag.*result_pushes_total/,
    );
    const rule: any = await h.cluster.admin.get(
      'monitoring.coreos.com/v1',
      'PrometheusRule',
      'voting',
      'voting',
    );
    expect(rule.spec.groups[0].rules.map((r: any) => r.alert)).toEqual([
      'VotingWorkerDown',
      'VotingQueueLagHigh',
      'VoteQueueStoreDown',
      'VoteQueueStoreIncomplete',
      'VoteQueueStoreLostData',
    ]);
    // Redis on its own volume, bound (here to a test volume; do-block-storage on DigitalOcean)
    const claim: any = await h.cluster.admin.get(
      'v1',
      'PersistentVolumeClaim',
      'data-redis-0',
      'voting',
    );
    expect(claim.spec.storageClassName).toBe(STORAGE_CLASS);
    expect(claim.status.phase).toBe('Bound');
    expect(logs.join('\n')).toMatch(
      /rollout of StatefulSet voting\/redis complete/,
    );
    expect(logs.join('\n')).toMatch(
      /rollout of Deployment voting\/vote complete/,
    );
    // eslint-disable-next-line no-console
    console.log(
      `full deploy took ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });

  it('changes nothing on a second run with the same inputs (resourceVersions unchanged)', async () => {
    const before = await resourceVersions(firstObjects);
    const dry = await run(base(), {
      secrets: { voteCookieSecret: cookieSecret },
      isDryRun: true,
    });
    const outputs = await run(base(), {
      secrets: { voteCookieSecret: cookieSecret },
    });
    expect(outputs.changed).toEqual([]);
    expect(outputs.outcome).toBe('unchanged');
    // the dry run read the same: nothing to change
    expect(dry).toEqual(outputs);
    expect(await resourceVersions(firstObjects)).toEqual(before);
  });

  it('keeps the cookie secret already in the cluster when none is given', async () => {
    const outputs = await run(base());
    expect(outputs.changed).toEqual([]);
  });

  it('rolls out a changed input, which a dry run names first', async () => {
    const dry = await run(
      { ...base(), imageTag: '1.0.1' },
      { secrets: { voteCookieSecret: cookieSecret }, isDryRun: true },
    );
    expect(dry.outcome).toBe('would-update');
    const outputs = await run(
      { ...base(), imageTag: '1.0.1' },
      { secrets: { voteCookieSecret: cookieSecret } },
    );
    expect(outputs.outcome).toBe('updated');
    // the dry run compares specs; the real run also counts a status a controller wrote meanwhile
    expect(dry.changed).toEqual(
      expect.arrayContaining([
        'Deployment/voting/vote',
        'Deployment/voting/worker',
        'Deployment/voting/result',
      ]),
    );
    expect(outputs.changed).toEqual(expect.arrayContaining(dry.changed));
    expect(outputs.changed).toEqual(
      expect.arrayContaining([
        'Deployment/voting/vote',
        'Deployment/voting/worker',
        'Deployment/voting/result',
      ]),
    );
    expect(outputs.changed).not.toContain('StatefulSet/voting/redis');
    for (const name of ['vote', 'worker', 'result']) {
      const d: any = await h.cluster.admin.get(
        'apps/v1',
        'Deployment',
        name,
        'voting',
      );
      expect(d.spec.template.spec.containers[0].image).toBe(
        `registry.example.com/acme/${name}:1.0.1`,
      );
      expect(d.status.updatedReplicas).toBe(d.spec.replicas);
      expect(d.status.readyReplicas).toBe(d.spec.replicas);
    }
  });

  /** The annotations of the voting services' pod templates. */
  async function podAnnotations(
    namespace: string,
  ): Promise<Record<string, Record<string, string>>> {
    const out: Record<string, Record<string, string>> = {};
    for (const name of ['vote', 'worker', 'result']) {
      const d: any = await h.cluster.admin.get(
        'apps/v1',
        'Deployment',
        name,
        namespace,
      );
      out[name] = d.spec.template.metadata.annotations;
    }
    return out;
  }

  it('a new question rolls every voting pod (a checksum of the ConfigMap on its template); the same question twice changes nothing', async () => {
    const secrets = { voteCookieSecret: cookieSecret };
    const input = { ...base(), imageTag: '1.0.1', question: 'Tea or coffee?' };
    const before = await podAnnotations('voting');
    const asked = await run(input, { secrets });
    expect(asked.changed).toEqual(
      expect.arrayContaining([
        'ConfigMap/voting/voting-config',
        'Deployment/voting/vote',
        'Deployment/voting/worker',
        'Deployment/voting/result',
      ]),
    );
    const after = await podAnnotations('voting');
    for (const name of ['vote', 'worker', 'result']) {
      expect(after[name]!['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
      expect(after[name]!['checksum/config']).not.toBe(
        before[name]!['checksum/config'],
      );
    }
    const versions = await resourceVersions(asked.objects);
    const again = await run(input, { secrets });
    expect(again.changed).toEqual([]);
    expect(await resourceVersions(asked.objects)).toEqual(versions);
    expect(await podAnnotations('voting')).toEqual(after);
  });

  it('refuses a pool the database does not have, naming it, before applying anything', async () => {
    const before = await resourceVersions(firstObjects);
    await expect(
      run(
        { ...base(), databasePool: 'no_such_pool' },
        { secrets: { voteCookieSecret: cookieSecret } },
      ),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringMatching(/no connection pool "no_such_pool"/),
    });
    expect(await resourceVersions(firstObjects)).toEqual(before);
  });

  it("refuses to change the queue's claim template (size or class) before applying anything: the API server forbids it", async () => {
    const before = await resourceVersions(firstObjects);
    await expect(
      run(
        { ...base(), queueStorageSize: '2Gi' },
        { secrets: { voteCookieSecret: cookieSecret } },
      ),
    ).rejects.toThrow(
      /1 problem\(s\) in the generated manifests, nothing applied:\nStatefulSet\/voting\/redis: .*Forbidden/,
    );
    expect(await resourceVersions(firstObjects)).toEqual(before);
  });

  it('deploys NATS as a 3-node JetStream cluster (StatefulSet, volumes, one pod per node) and a second deploy changes nothing', async () => {
    const input = {
      ...base(),
      namespace: 'nats',
      queue: 'nats',
      voteMinReplicas: 1,
      resultReplicas: 1,
    };
    const first = await run(input, {
      secrets: { voteCookieSecret: cookieSecret },
    });
    expect(first.objects).toEqual(
      expect.arrayContaining([
        'Service/nats/nats-headless',
        'Service/nats/nats',
        'StatefulSet/nats/nats',
        'PodDisruptionBudget/nats/nats',
      ]),
    );
    expect(first.objects.some((o: string) => o.includes('redis'))).toBe(false);
    const pods: any[] = await h.cluster.admin.list(
      'v1',
      'Pod',
      'nats',
      'app.kubernetes.io/name=nats',
    );
    expect(pods).toHaveLength(3);
    // the anti-affinity put each on its own node
    expect(new Set(pods.map(p => p.spec.nodeName)).size).toBe(3);
    for (let i = 0; i < 3; i++) {
      const claim: any = await h.cluster.admin.get(
        'v1',
        'PersistentVolumeClaim',
        `data-nats-${i}`,
        'nats',
      );
      expect(claim.status.phase).toBe('Bound');
    }
    const worker: any = await h.cluster.admin.get(
      'apps/v1',
      'Deployment',
      'worker',
      'nats',
    );
    expect(worker.spec.template.spec.containers[0].env).toContainEqual({
      name: 'NATS_STREAM_REPLICAS',
      value: '3',
    });
    const before = await resourceVersions(first.objects);
    const second = await run(input, {
      secrets: { voteCookieSecret: cookieSecret },
    });
    expect(second.changed).toEqual([]);
    expect(await resourceVersions(first.objects)).toEqual(before);
  });

  it('switching the queue to NATS prunes Redis (its claim kept and named) and rolls every voting pod; a dry run names the deletions first', async () => {
    const secrets = { voteCookieSecret: cookieSecret };
    const input = {
      ...base(),
      namespace: 'switch',
      voteMinReplicas: 1,
      resultReplicas: 1,
    };
    await run(input, { secrets });
    const before = await podAnnotations('switch');
    const redis = [
      'Service/switch/redis',
      'StatefulSet/switch/redis',
      'PodDisruptionBudget/switch/redis',
    ];
    const dry = await run(
      { ...input, queue: 'nats' },
      { secrets, isDryRun: true },
    );
    expect(dry.changed).toEqual(expect.arrayContaining(redis));
    expect(
      await h.cluster.admin.get('apps/v1', 'StatefulSet', 'redis', 'switch'),
    ).toBeDefined();

    const switched = await run({ ...input, queue: 'nats' }, { secrets });
    expect(switched.changed).toEqual(expect.arrayContaining(redis));
    expect(switched.objects.some((o: string) => o.includes('redis'))).toBe(
      false,
    );
    expect(await resourceVersions(redis)).toEqual(
      Object.fromEntries(redis.map(r => [r, 'missing'])),
    );
    // the claim holds Redis's data: kept, and the log says so
    expect(
      await h.cluster.admin.get(
        'v1',
        'PersistentVolumeClaim',
        'data-redis-0',
        'switch',
      ),
    ).toBeDefined();
    expect(logs.join('\n')).toMatch(
      /PersistentVolumeClaim\/switch\/data-redis-0 kept: it holds the data of a queue/,
    );
    expect(logs.join('\n')).toMatch(
      /Deleted StatefulSet\/switch\/redis \(no longer declared\)/,
    );
    const config: any = await h.cluster.admin.get(
      'v1',
      'ConfigMap',
      'voting-config',
      'switch',
    );
    expect(config.data.QUEUE_BACKEND).toBe('nats');
    // every voting pod template changed, and the running pods are the new ones
    const after = await podAnnotations('switch');
    for (const name of ['vote', 'worker', 'result']) {
      expect(after[name]!['checksum/config']).not.toBe(
        before[name]!['checksum/config'],
      );
      const pods: any[] = await h.cluster.admin.list(
        'v1',
        'Pod',
        'switch',
        `app.kubernetes.io/name=${name}`,
      );
      const live = pods.filter(p => !p.metadata.deletionTimestamp);
      expect(live.length).toBeGreaterThan(0);
      for (const pod of live)
        expect(pod.metadata.annotations['checksum/config']).toBe(
          after[name]!['checksum/config'],
        );
    }
    // and the switched stack is as declared: a re-run prunes and changes nothing
    const again = await run({ ...input, queue: 'nats' }, { secrets });
    expect(again.changed).toEqual([]);
  });

  it('never puts the kubeconfig token, the database password or the cookie secret in logs or outputs', () => {
    const text = `${logs.join('\n')}\n${JSON.stringify(allOutputs)}`;
    expect(logs.length).toBeGreaterThan(20);
    for (const secret of [
      h.cluster.token,
      h.dbPassword,
      h.appPassword,
      cookieSecret,
      ...h.env.sandbox.digitalocean.secrets(),
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it("the API server's dry run catches typos, wrong types and enums (built-in kind and CRD kind) and creates nothing", async () => {
    const client = KubernetesConnection.fromKubeconfig(
      h.cluster.tokenKubeconfig,
    );
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'typo', namespace: 'checked' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: {
          metadata: { labels: { a: 'b' } },
          spec: {
            containers: [
              {
                name: 'c',
                image: 'x',
                readinesProbe: { httpGet: { path: '/', port: 80 } },
              },
            ],
          },
        },
      },
    };
    const wrongType: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'typed', namespace: 'voting' },
      data: { n: 1 },
    };
    const monitor: KubeObject = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'm', namespace: 'voting' },
      spec: { selector: {}, endpoint: [] },
    };
    const service: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'voting' },
      spec: { type: 'Balancer', ports: [{ port: 80 }] },
    };
    const namespace: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'checked' },
    };
    const check = await checkWithServer(
      client,
      [namespace, deployment, wrongType, monitor, service],
      FIELD_MANAGER,
    );
    expect(check.problems).toEqual([
      expect.stringMatching(
        /^Deployment\/checked\/typo: .*readinesProbe.*field not declared in schema/,
      ),
      expect.stringMatching(/^ConfigMap\/voting\/typed: .*data\.n.*string/),
      expect.stringMatching(
        /^ServiceMonitor\/voting\/m: .*endpoint.*field not declared in schema/,
      ),
      expect.stringMatching(
        /^Service\/voting\/s: .*spec\.type.*Unsupported value: "Balancer"/,
      ),
    ]);
    expect(check.deferred).toEqual([]);
    expect(
      await h.cluster.admin.get('v1', 'Namespace', 'checked'),
    ).toBeUndefined();
    expect(
      await h.cluster.admin.get('v1', 'ConfigMap', 'typed', 'voting'),
    ).toBeUndefined();
    expect(
      await h.cluster.admin.get('v1', 'Service', 's', 'voting'),
    ).toBeUndefined();
  });

  it('a typo in the generated manifests is caught by the API server before anything is created', async () => {
    mockBreakManifests = objects => {
      const vote: any = objects.find(
        o => o.kind === 'Deployment' && o.metadata.name === 'vote',
      );
      const container = vote.spec.template.spec.containers[0];
      container.readinesProbe = container.readinessProbe;
      delete container.readinessProbe;
    };
    try {
      await expect(
        run(
          { ...base(), namespace: 'typo' },
          { secrets: { voteCookieSecret: cookieSecret } },
        ),
      ).rejects.toThrow(
        /1 problem\(s\) in the generated manifests, nothing applied:\nDeployment\/typo\/vote: .*readinesProbe/,
      );
      expect(
        await h.cluster.admin.get('v1', 'Namespace', 'typo'),
      ).toBeUndefined();
    } finally {
      mockBreakManifests = undefined;
    }
  });

  it('admission (a CEL ValidatingAdmissionPolicy) is checked before anything is applied, in a new namespace once it exists', async () => {
    await h.cluster.admin.apply(
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name: 'no-blocked-images' },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [
              {
                apiGroups: ['apps'],
                apiVersions: ['v1'],
                operations: ['CREATE', 'UPDATE'],
                resources: ['deployments'],
              },
            ],
          },
          validations: [
            {
              expression:
                "object.spec.template.spec.containers.all(c, !c.image.endsWith(':blocked'))",
              message: 'images tagged blocked are not allowed',
            },
          ],
        },
      },
      { fieldManager: 'test' },
    );
    await h.cluster.admin.apply(
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicyBinding',
        metadata: { name: 'no-blocked-images' },
        spec: { policyName: 'no-blocked-images', validationActions: ['Deny'] },
      },
      { fieldManager: 'test' },
    );
    // the policy is in force once a dry run says so
    const probe: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'probe', namespace: 'voting' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: {
          metadata: { labels: { a: 'b' } },
          spec: { containers: [{ name: 'c', image: 'x:blocked' }] },
        },
      },
    };
    const deadline = Date.now() + 20_000;
    while (
      (await checkWithServer(h.cluster.admin, [probe], 'test')).problems
        .length === 0
    ) {
      if (Date.now() > deadline)
        throw new Error('the ValidatingAdmissionPolicy never took effect');
      await sleep(200);
    }
    try {
      // an existing namespace: nothing is applied
      const before = await resourceVersions(firstObjects);
      await expect(
        run(
          { ...base(), imageTag: 'blocked' },
          { secrets: { voteCookieSecret: cookieSecret } },
        ),
      ).rejects.toThrow(
        /3 problem\(s\) in the generated manifests, nothing applied:\nDeployment\/voting\/(vote|worker|result): .*images tagged blocked are not allowed/,
      );
      expect(await resourceVersions(firstObjects)).toEqual(before);
      // a new namespace: only the Namespace is applied before the objects in it are checked again
      await expect(
        run(
          { ...base(), namespace: 'blocked', imageTag: 'blocked' },
          { secrets: { voteCookieSecret: cookieSecret } },
        ),
      ).rejects.toThrow(
        /3 problem\(s\) in the generated manifests; applied only Namespace\/blocked:\n.*images tagged blocked are not allowed/,
      );
      expect(await h.cluster.admin.list('v1', 'Secret', 'blocked')).toEqual([]);
      expect(
        await h.cluster.admin.list('apps/v1', 'Deployment', 'blocked'),
      ).toEqual([]);
    } finally {
      await h.cluster.admin
        .api(k8s.AdmissionregistrationV1Api)
        .deleteValidatingAdmissionPolicyBinding({ name: 'no-blocked-images' });
      await h.cluster.admin
        .api(k8s.AdmissionregistrationV1Api)
        .deleteValidatingAdmissionPolicy({ name: 'no-blocked-images' });
    }
  });

  it('fails with a clear error when a rollout does not complete in time', async () => {
    await h.cluster.admin.apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'stuck', namespace: 'plain' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'stuck' } },
          template: {
            metadata: { labels: { app: 'stuck' } },
            spec: {
              nodeSelector: { 'no-such': 'node' },
              containers: [{ name: 'c', image: 'x' }],
            },
          },
        },
      },
      { fieldManager: 'test' },
    );
    const logger: LoggerService = {
      info: () => {},
      warn: () => {},
      error: () => {},
      debug: () => {},
      child: () => logger,
    };
    await expect(
      waitForRollouts(
        h.cluster.admin,
        [{ namespace: 'plain', name: 'stuck' }],
        logger,
        4000,
      ),
    ).rejects.toThrow(
      /rollout not complete after 4 s: plain\/stuck \(0\/1 ready.*Pending.*Unschedulable/,
    );
  });

  it('refuses a database that is not online yet, before applying anything', async () => {
    const { digitalocean } = h.env.sandbox;
    const res = await fetch(`${digitalocean.url}/databases`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${digitalocean.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        name: 'late-db',
        engine: 'pg',
        version: '16',
        region: 'nyc1',
        size: 'db-s-1vcpu-1gb',
        num_nodes: 1,
      }),
    });
    const lateId = ((await res.json()) as any).database.id;
    await expect(
      run({ ...base(), databaseId: lateId, namespace: 'late' }),
    ).rejects.toThrow(/database .* is not online yet \(status creating\)/);
    expect(
      await h.cluster.admin.get('v1', 'Namespace', 'late'),
    ).toBeUndefined();
  });

  it('a dry run reads the cluster and says what it would create, changing nothing, with the keys of a real run', async () => {
    const { outputs: dry, logs: dryLogs } = await runAction(
      createVotingStackEnsureAction({ config: h.config() }),
      { ...base(), namespace: 'dry' },
      { isDryRun: true },
    );
    expect(dry).toMatchObject({
      namespace: 'dry',
      voteUrl: 'https://vote.example.com',
      loadBalancerAddress: expect.stringMatching(/^127\.0\.0\.\d+$/),
      outcome: 'would-create',
    });
    expect(dry.objects).toContain('Deployment/dry/vote');
    expect(dry.changed).toEqual(dry.objects);
    expect(await h.cluster.admin.get('v1', 'Namespace', 'dry')).toBeUndefined();
    expect(Object.keys(dry).sort()).toEqual(
      Object.keys(fullDeployOutputs).sort(),
    );
    expect(dryLogs.length).toBeGreaterThan(0);
    for (const line of dryLogs) expect(line).toMatch(/^\w+ Dry run: /);
  });

  it("a dry run into a cluster and database an earlier step's dry run would create reads nothing and lists what it would create", async () => {
    const requests = h.env.sandbox.digitalocean.requests.length;
    const placeholders = {
      clusterId: 'dry-run-kubernetes-new-env',
      databaseId: 'dry-run-database-new-env-db',
    };
    const { outputs, logs: dryLogs } = await runAction(
      createVotingStackEnsureAction({ config: h.config() }),
      { ...base(), ...placeholders },
      { isDryRun: true },
    );
    expect(h.env.sandbox.digitalocean.requests.length).toBe(requests);
    expect(dryLogs.join('\n')).toMatch(
      /^info Dry run: would create the voting stack \(\d+ objects in namespace voting\) in the Kubernetes cluster that an earlier step would create \(dry-run-kubernetes-new-env\), connected to the database cluster that an earlier step would create \(dry-run-database-new-env-db\): https:\/\/vote.example.com and https:\/\/result.example.com, Grafana at https:\/\/grafana.example.com$/m,
    );
    expect(outputs.objects).toContain('IngressRoute/voting/voting');
    expect(outputs.changed).toEqual(outputs.objects);
    expect(Object.keys(outputs).sort()).toEqual(
      Object.keys(fullDeployOutputs).sort(),
    );
    await expect(run({ ...base(), ...placeholders })).rejects.toThrow(
      /clusterId: dry-run-kubernetes-new-env; databaseId: dry-run-database-new-env-db: a dry run's placeholder/,
    );
  });

  it('applies once when the worker dies after the apply and the task is retried', async () => {
    const checkpoints = new Map();
    const input = {
      ...base(),
      namespace: 'retried',
      voteMinReplicas: 1,
      resultReplicas: 1,
    };
    await expect(
      run(input, {
        checkpoints,
        crashAfter: 'voting-stack.apply.retried',
        secrets: { voteCookieSecret: cookieSecret },
      }),
    ).rejects.toThrow(Crash);
    const applied = await resourceVersions(
      checkpoints.get('voting-stack.apply.retried') as string[],
    );
    const retried = await run(input, {
      checkpoints,
      secrets: { voteCookieSecret: cookieSecret },
    });
    // the retry replays what the first attempt applied, and applies nothing again
    expect(retried.changed).toEqual(
      checkpoints.get('voting-stack.apply.retried'),
    );
    expect(await resourceVersions(retried.changed)).toEqual(applied);
    // ... and says so: the first attempt created the stack, the retry reuses it
    expect(logs.at(-1)).toMatch(
      /^info Reusing the voting stack in namespace retried: /,
    );
  });
});
