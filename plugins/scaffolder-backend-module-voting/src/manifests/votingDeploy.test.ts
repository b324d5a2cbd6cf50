import { votingDeployManifests, type VotingDeploySettings } from './votingDeploy';

const settings = (over: Partial<VotingDeploySettings> = {}): VotingDeploySettings => ({
  namespace: 'voting',
  imageRepository: 'registry.example.com/acme',
  imageTag: '1.0.0',
  domain: 'example.com',
  tlsSecretName: 'origin-tls',
  queue: 'redis',
  worker: { replicas: 1 },
  result: { replicas: 2 },
  vote: { minReplicas: 2, maxReplicas: 10, cpuTargetPercent: 70 },
  poll: { id: 'default', question: 'Cats or dogs?', optionA: 'Cats', optionB: 'Dogs' },
  secret: { name: 'voting-secrets', postgresUrl: 'postgresql://u:p@h:25060/db', voteCookieSecret: 'x'.repeat(32) },
  prometheusRelease: 'kube-prometheus-stack',
  queueLagThreshold: 1000,
  features: { ingressRoute: true, monitoring: true },
  ...over,
});

describe('votingDeployManifests', () => {
  it('gives every container probes, requests and limits, and a non-root security context', () => {
    const deployments = votingDeployManifests(settings()).filter(o => o.kind === 'Deployment');
    expect(deployments.map(d => d.metadata.name).sort()).toEqual(['redis', 'result', 'vote', 'worker']);
    for (const d of deployments) {
      const pod = (d.spec as any).template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      for (const c of pod.containers) {
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
        expect(c.resources.requests.cpu).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
        expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
    }
    // the autoscaler owns vote's replica count
    expect((deployments.find(d => d.metadata.name === 'vote')!.spec as any).replicas).toBeUndefined();
  });

  it('uses NATS instead of Redis when asked', () => {
    const objects = votingDeployManifests(settings({ queue: 'nats' }));
    expect(objects.some(o => o.metadata.name === 'redis')).toBe(false);
    expect(objects.filter(o => o.metadata.name === 'nats').map(o => o.kind)).toEqual(['Deployment', 'Service']);
    const config = objects.find(o => o.kind === 'ConfigMap' && o.metadata.name === 'voting-config')!;
    expect(config.data).toMatchObject({ QUEUE_BACKEND: 'nats', NATS_URL: 'nats://nats:4222' });
    expect((config.data as any).REDIS_URL).toBeUndefined();
  });

  it('leaves out the CRD kinds when told to, and is pure', () => {
    const kinds = votingDeployManifests(settings({ features: { ingressRoute: false, monitoring: false } })).map(o => o.kind);
    expect(kinds).toContain('Ingress');
    expect(kinds).not.toContain('IngressRoute');
    expect(kinds).not.toContain('ServiceMonitor');
    expect(kinds).not.toContain('PrometheusRule');
    expect(votingDeployManifests(settings())).toEqual(votingDeployManifests(settings()));
  });
});
