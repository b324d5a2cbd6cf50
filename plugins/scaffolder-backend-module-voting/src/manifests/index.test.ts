import {
  PRUNABLE_KINDS,
  STACK_LABEL,
  votingManifests,
  type VotingManifestOptions,
} from '.';

const options = (
  over: Partial<VotingManifestOptions> = {},
): VotingManifestOptions => ({
  namespace: 'voting',
  imageRepository: 'registry.example.com/acme',
  imageTag: '1.0.0',
  poll: {
    id: 'default',
    question: 'Cats or dogs?',
    optionA: 'Cats',
    optionB: 'Dogs',
  },
  worker: { replicas: 1 },
  result: { replicas: 2 },
  vote: { minReplicas: 2, maxReplicas: 10, cpuTargetPercent: 70 },
  secret: {
    name: 'voting-secrets',
    values: {
      postgresUrl: 'postgresql://voting:p@h:25061/votes',
      postgresSessionUrl: 'postgresql://voting:p@h:25060/votes',
      voteCookieSecret: 'x'.repeat(32),
    },
  },
  queue: {
    kind: 'redis',
    storageClassName: 'do-block-storage',
    storageSize: '1Gi',
  },
  ingress: {
    domain: 'example.com',
    kind: 'IngressRoute',
    className: 'traefik',
    tlsSecretName: 'origin-tls',
  },
  monitoring: {
    prometheusRelease: 'kube-prometheus-stack',
    queueLagThreshold: 1000,
    operatorKinds: true,
  },
  ...over,
});

const find = (objects: any[], kind: string, name: string) =>
  objects.find(o => o.kind === kind && o.metadata.name === name);

describe('votingManifests', () => {
  it('gives every container probes, requests and limits, and a non-root security context', () => {
    const workloads = votingManifests(options()).filter(
      o => o.kind === 'Deployment' || o.kind === 'StatefulSet',
    );
    expect(workloads.map(d => `${d.kind}/${d.metadata.name}`).sort()).toEqual([
      'Deployment/result',
      'Deployment/vote',
      'Deployment/worker',
      'StatefulSet/redis',
    ]);
    for (const d of workloads) {
      const pod = (d.spec as any).template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      for (const c of pod.containers) {
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
        expect(c.resources.requests.cpu).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
        expect(c.securityContext).toMatchObject({
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
    // the autoscaler owns vote's replica count
    expect(
      (workloads.find(d => d.metadata.name === 'vote')!.spec as any).replicas,
    ).toBeUndefined();
  });

  it('runs Redis durably: a StatefulSet on a claim of the given class, AOF fsync always, noeviction, a disruption budget', () => {
    const objects = votingManifests(
      options({
        queue: {
          kind: 'redis',
          storageClassName: 'fast-ssd',
          storageSize: '5Gi',
        },
      }),
    );
    const redis: any = find(objects, 'StatefulSet', 'redis');
    expect(redis.spec.volumeClaimTemplates).toEqual([
      expect.objectContaining({
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: 'fast-ssd',
          resources: { requests: { storage: '5Gi' } },
        },
      }),
    ]);
    const args: string[] = redis.spec.template.spec.containers[0].args;
    const arg = (name: string) => args[args.indexOf(name) + 1];
    expect([
      arg('--appendonly'),
      arg('--appendfsync'),
      arg('--maxmemory-policy'),
      arg('--dir'),
    ]).toEqual(['yes', 'always', 'noeviction', '/data']);
    expect(redis.spec.template.spec.containers[0].volumeMounts).toEqual([
      { name: 'data', mountPath: '/data' },
    ]);
    expect(find(objects, 'PodDisruptionBudget', 'redis').spec).toMatchObject({
      minAvailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } },
    });
    expect(find(objects, 'ConfigMap', 'voting-config').data).toMatchObject({
      QUEUE_BACKEND: 'redis',
      REDIS_URL: 'redis://redis:6379',
    });
    expect(
      objects.some(o => o.kind === 'Deployment' && o.metadata.name === 'redis'),
    ).toBe(false);
  });

  it('runs NATS as a 3-node JetStream cluster: routes through a headless Service, one pod per node, streams with 3 replicas', () => {
    const objects = votingManifests(
      options({
        queue: {
          kind: 'nats',
          storageClassName: 'do-block-storage',
          storageSize: '1Gi',
        },
      }),
    );
    expect(objects.some(o => o.metadata.name === 'redis')).toBe(false);
    const nats: any = find(objects, 'StatefulSet', 'nats');
    expect(nats.spec).toMatchObject({
      replicas: 3,
      serviceName: 'nats-headless',
      podManagementPolicy: 'Parallel',
    });
    expect(nats.spec.volumeClaimTemplates[0].spec.storageClassName).toBe(
      'do-block-storage',
    );
    expect(
      nats.spec.template.spec.affinity.podAntiAffinity
        .requiredDuringSchedulingIgnoredDuringExecution,
    ).toEqual([
      {
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'nats' } },
        topologyKey: 'kubernetes.io/hostname',
      },
    ]);
    const args: string[] = nats.spec.template.spec.containers[0].args;
    expect(args[args.indexOf('--routes') + 1].split(',')).toEqual(
      [0, 1, 2].map(i => `nats://nats-${i}.nats-headless.voting.svc:6222`),
    );
    expect(find(objects, 'Service', 'nats-headless').spec).toMatchObject({
      clusterIP: 'None',
      publishNotReadyAddresses: true,
    });
    expect(
      find(objects, 'PodDisruptionBudget', 'nats').spec.maxUnavailable,
    ).toBe(1);
    const config = find(objects, 'ConfigMap', 'voting-config');
    expect(config.data).toMatchObject({
      QUEUE_BACKEND: 'nats',
      NATS_URL: 'nats://nats:4222',
    });
    expect(config.data.REDIS_URL).toBeUndefined();
    expect(
      find(objects, 'Deployment', 'worker').spec.template.spec.containers[0]
        .env,
    ).toContainEqual({ name: 'NATS_STREAM_REPLICAS', value: '3' });
    expect(
      find(objects, 'Deployment', 'vote').spec.template.spec.containers[0].env,
    ).not.toContainEqual(
      expect.objectContaining({ name: 'NATS_STREAM_REPLICAS' }),
    );
  });

  it("ships the README's queue-store alerts in the PrometheusRule", () => {
    const rule: any = find(
      votingManifests(options()),
      'PrometheusRule',
      'voting',
    );
    const rules = rule.spec.groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual([
      'VotingWorkerDown',
      'VotingQueueLagHigh',
      'VoteQueueStoreDown',
      'VoteQueueStoreIncomplete',
      'VoteQueueStoreLostData',
    ]);
    const byName = Object.fromEntries(rules.map((r: any) => [r.alert, r]));
    expect(byName.VoteQueueStoreDown).toMatchObject({
      expr: 'max by (namespace, service) (queue_store_up{namespace="voting"}) == 0',
      for: '1m',
      labels: { severity: 'critical' },
    });
    expect(byName.VoteQueueStoreIncomplete).toMatchObject({
      expr: 'min by (namespace, service) (queue_store_complete{namespace="voting"}) == 0',
      for: '2m',
      labels: { severity: 'critical' },
    });
    expect(byName.VoteQueueStoreLostData).toMatchObject({
      expr: 'increase(queue_store_rebuilds_total{namespace="voting",reason="lost"}[15m]) > 0',
      labels: { severity: 'warning' },
    });
    expect(byName.VoteQueueStoreLostData.for).toBeUndefined();
  });

  it('leaves out the CRD kinds, the ingress and the secret values when told to, and is pure', () => {
    const kinds = votingManifests(
      options({
        ingress: {
          domain: 'example.com',
          kind: 'Ingress',
          className: 'traefik',
          tlsSecretName: 't',
        },
        monitoring: {
          prometheusRelease: 'p',
          queueLagThreshold: 1,
          operatorKinds: false,
        },
      }),
    ).map(o => o.kind);
    expect(kinds).toContain('Ingress');
    expect(kinds).not.toContain('IngressRoute');
    expect(kinds).not.toContain('ServiceMonitor');
    expect(kinds).not.toContain('PrometheusRule');
    const bare = votingManifests(
      options({ ingress: undefined, secret: { name: 'voting-secrets' } }),
    ).map(o => o.kind);
    expect(bare).not.toContain('Secret');
    expect(bare).not.toContain('IngressRoute');
    expect(votingManifests(options())).toEqual(votingManifests(options()));
  });

  it("routes grafana.<domain> to Grafana's Service in its own namespace, through an IngressRoute only", () => {
    const grafana = {
      namespace: 'monitoring',
      name: 'kube-prometheus-stack-grafana',
      port: 80,
    };
    const routed = votingManifests(
      options({ ingress: { ...options().ingress!, grafana } }),
    );
    expect(find(routed, 'IngressRoute', 'voting').spec.routes).toContainEqual({
      match: 'Host(`grafana.example.com`)',
      kind: 'Rule',
      services: [grafana],
    });
    const withoutGrafana = find(
      votingManifests(options()),
      'IngressRoute',
      'voting',
    );
    expect(JSON.stringify(withoutGrafana)).not.toContain('grafana');
    // an Ingress cannot name another namespace's Service: no route rather than a broken one
    const ingress = find(
      votingManifests(
        options({
          ingress: { ...options().ingress!, kind: 'Ingress', grafana },
        }),
      ),
      'Ingress',
      'voting',
    );
    expect(JSON.stringify(ingress)).not.toContain('grafana');
  });

  it('labels every object but the Namespace with its stack, in a kind a later run looks for (the Namespace is never pruned)', () => {
    for (const queue of ['redis', 'nats'] as const) {
      for (const kind of ['Ingress', 'IngressRoute'] as const) {
        const objects = votingManifests(
          options({
            queue: { kind: queue, storageClassName: 's', storageSize: '1Gi' },
            ingress: {
              domain: 'example.com',
              kind,
              className: 'traefik',
              tlsSecretName: 't',
            },
          }),
        );
        expect(objects[0]!.kind).toBe('Namespace');
        expect(objects[0]!.metadata.labels).not.toHaveProperty(STACK_LABEL);
        for (const o of objects.slice(1)) {
          expect(o.metadata.labels![STACK_LABEL]).toBe('voting');
          expect(PRUNABLE_KINDS).toContainEqual({
            apiVersion: o.apiVersion,
            kind: o.kind,
          });
        }
      }
    }
  });

  it("puts checksums of the ConfigMap and of the Secret's keys each service reads on its pod template", () => {
    const annotations = (o: VotingManifestOptions) =>
      Object.fromEntries(
        votingManifests(o)
          .filter(d => d.kind === 'Deployment')
          .map(d => [
            d.metadata.name,
            (d.spec as any).template.metadata.annotations,
          ]),
      );
    const before = annotations(options());
    for (const name of ['vote', 'worker', 'result']) {
      expect(before[name]['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
      expect(before[name]['checksum/secret']).toMatch(/^[0-9a-f]{64}$/);
    }
    // the same options: the same checksums (a re-run rolls nothing)
    expect(annotations(options())).toEqual(before);
    const poll = { ...options().poll, question: 'Tea or coffee?' };
    const asked = annotations(options({ poll }));
    const queued = annotations(
      options({
        queue: { kind: 'nats', storageClassName: 's', storageSize: '1Gi' },
      }),
    );
    for (const name of ['vote', 'worker', 'result']) {
      expect(asked[name]['checksum/config']).not.toBe(
        before[name]['checksum/config'],
      );
      expect(queued[name]['checksum/config']).not.toBe(
        before[name]['checksum/config'],
      );
    }
    // a new database URL rolls the services that read it, not vote
    const moved = annotations(
      options({
        secret: {
          name: 'voting-secrets',
          values: {
            ...options().secret.values!,
            postgresUrl: 'postgresql://voting:q@h:25061/votes',
          },
        },
      }),
    );
    expect(moved.worker['checksum/secret']).not.toBe(
      before.worker['checksum/secret'],
    );
    expect(moved.result['checksum/secret']).not.toBe(
      before.result['checksum/secret'],
    );
    expect(moved.vote).toEqual(before.vote);
    // a Secret only referenced (rendered manifests): its content is unknown, no checksum of it
    const referenced = annotations(
      options({ secret: { name: 'voting-secrets' } }),
    );
    expect(referenced.worker).toEqual({
      'checksum/config': before.worker['checksum/config'],
    });
  });
});
