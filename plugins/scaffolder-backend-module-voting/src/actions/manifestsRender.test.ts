import { runAction } from '@voting-platform/plugin-scaffolder-actions-node/testUtils';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { createVotingManifestsRenderAction } from './manifestsRender';

describe('voting:manifests:render', () => {
  const action = createVotingManifestsRenderAction();
  let workspacePath: string;

  beforeEach(async () => {
    workspacePath = await mkdtemp(join(tmpdir(), 'render-'));
  });
  afterEach(async () => {
    await rm(workspacePath, { recursive: true, force: true });
  });

  /** Runs the action as the scaffolder does: the input as the template wrote it, no defaults filled in. */
  async function run(input: Record<string, unknown>, isDryRun = false) {
    return (await runAction(action, input, { isDryRun, workspacePath }))
      .outputs;
  }

  async function docs(path = 'k8s/voting-stack.yaml') {
    const text = await readFile(join(workspacePath, path), 'utf8');
    return parseAllDocuments(text).map(d => d.toJS());
  }

  it('is listed with a JSON schema and supports dry runs', () => {
    expect(action.id).toBe('voting:manifests:render');
    expect(action.supportsDryRun).toBe(true);
    expect(action.schema?.input).toMatchObject({
      type: 'object',
      required: ['imageRepository'],
    });
  });

  it('renders the stack without an Ingress when no hosts are given', async () => {
    const outputs = await run({ imageRepository: 'registry.example.com/acme' });
    expect(outputs.manifestPath).toBe('k8s/voting-stack.yaml');
    expect(outputs.objects).toEqual([
      'Namespace/voting',
      'ConfigMap/voting-config',
      'Service/redis',
      'StatefulSet/redis',
      'PodDisruptionBudget/redis',
      'Deployment/worker',
      'Service/worker',
      'PodDisruptionBudget/worker',
      'Deployment/vote',
      'Service/vote',
      'PodDisruptionBudget/vote',
      'HorizontalPodAutoscaler/vote',
      'Deployment/result',
      'Service/result',
      'PodDisruptionBudget/result',
      'ConfigMap/voting-dashboard-voting',
    ]);
    const objects = await docs();
    const vote = objects.find(
      o => o.kind === 'Deployment' && o.metadata.name === 'vote',
    );
    expect(vote.metadata.namespace).toBe('voting');
    // the autoscaler owns vote's replica count
    expect(vote.spec.replicas).toBeUndefined();
    const container = vote.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.example.com/acme/vote:latest');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.env).toContainEqual({
      name: 'VOTE_COOKIE_SECRET',
      valueFrom: {
        secretKeyRef: { name: 'voting-secrets', key: 'VOTE_COOKIE_SECRET' },
      },
    });
  });

  it('renders an Ingress for the two hosts and points vote at the public results', async () => {
    const outputs = await run({
      namespace: 'vote-prod',
      imageRepository: 'registry.digitalocean.com/acme',
      imageTag: '1.2.3',
      domain: 'example.com',
      voteMinReplicas: 3,
      question: 'Tabs or spaces?',
      optionA: 'Tabs',
      optionB: 'Spaces',
      targetPath: 'deploy/stack.yaml',
    });
    expect(outputs.objects).toContain('Ingress/voting');
    const objects = await docs('deploy/stack.yaml');
    expect(
      objects.every(
        o => o.kind === 'Namespace' || o.metadata.namespace === 'vote-prod',
      ),
    ).toBe(true);
    const ingress = objects.find(o => o.kind === 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('traefik');
    expect(
      ingress.spec.rules.map((r: any) => [
        r.host,
        r.http.paths[0].backend.service.name,
      ]),
    ).toEqual([
      ['vote.example.com', 'vote'],
      ['result.example.com', 'result'],
    ]);
    const config = objects.find(o => o.kind === 'ConfigMap');
    expect(config.data).toMatchObject({
      POLL_QUESTION: 'Tabs or spaces?',
      OPTION_A: 'Tabs',
      OPTION_B: 'Spaces',
    });
    const vote = objects.find(
      o => o.kind === 'Deployment' && o.metadata.name === 'vote',
    );
    const hpa = objects.find(o => o.kind === 'HorizontalPodAutoscaler');
    expect(hpa.spec.minReplicas).toBe(3);
    expect(vote.spec.template.spec.containers[0].env).toContainEqual({
      name: 'RESULT_URL',
      value: 'https://result.example.com',
    });
  });

  it('renders the same files in a dry run, saying it is one', async () => {
    const dry = await runAction(
      action,
      { imageRepository: 'r.example.com/x' },
      { isDryRun: true, workspacePath },
    );
    expect(dry.outputs.objects).toHaveLength(16);
    expect(await docs()).toHaveLength(16);
    expect(dry.logs).toEqual([
      'info Dry run: rendered 16 objects into k8s/voting-stack.yaml',
    ]);
  });

  it('renders NATS as a 3-node cluster with volumes, monitoring kinds and an IngressRoute when asked', async () => {
    const outputs = await run({
      imageRepository: 'r.example.com/x',
      queue: 'nats',
      domain: 'example.com',
      ingressKind: 'IngressRoute',
      monitoring: true,
      storageClassName: 'fast',
    });
    expect(outputs.objects).toEqual(
      expect.arrayContaining([
        'Service/nats-headless',
        'Service/nats',
        'StatefulSet/nats',
        'PodDisruptionBudget/nats',
        'IngressRoute/voting',
        'ServiceMonitor/worker',
        'PrometheusRule/voting',
      ]),
    );
    expect(outputs.objects.some((o: string) => o.endsWith('/redis'))).toBe(
      false,
    );
    const objects = await docs();
    const nats = objects.find(o => o.kind === 'StatefulSet');
    expect(nats.spec.replicas).toBe(3);
    expect(nats.spec.volumeClaimTemplates[0].spec.storageClassName).toBe(
      'fast',
    );
    const worker = objects.find(
      o => o.kind === 'Deployment' && o.metadata.name === 'worker',
    );
    expect(worker.spec.template.spec.containers[0].env).toContainEqual({
      name: 'NATS_STREAM_REPLICAS',
      value: '3',
    });
  });

  it('never renders secret values, only references', async () => {
    await run({ imageRepository: 'r.example.com/x' });
    const text = await readFile(
      join(workspacePath, 'k8s/voting-stack.yaml'),
      'utf8',
    );
    expect(text).not.toMatch(/kind: Secret/);
    expect(text).not.toMatch(/postgres:\/\//);
  });

  it('rejects inconsistent inputs and paths outside the workspace', async () => {
    await expect(
      run({
        imageRepository: 'r.example.com/x',
        voteMinReplicas: 5,
        voteMaxReplicas: 2,
      }),
    ).rejects.toThrow(/voteMinReplicas: must not exceed voteMaxReplicas \(2\)/);
    await expect(
      run({
        imageRepository: 'r.example.com/x',
        optionA: 'Same',
        optionB: 'Same',
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/optionB: must differ from optionA/),
    });
    await expect(
      run({
        imageRepository: 'r.example.com/x',
        targetPath: '../outside.yaml',
      }),
    ).rejects.toThrow(/outside/i);
  });
});
