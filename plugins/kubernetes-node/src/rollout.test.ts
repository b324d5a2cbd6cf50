import type { LoggerService } from '@backstage/backend-plugin-api';
import type { KubernetesConnection } from './KubernetesConnection';
import { waitForLoadBalancer } from './rollout';

const logger: LoggerService = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
  child: () => logger,
};

/** A client whose Service answers come from a list, one per read (the last one repeats). */
function serviceReads(...answers: unknown[]): KubernetesConnection {
  let read = 0;
  return {
    get: async () => answers[Math.min(read++, answers.length - 1)],
  } as unknown as KubernetesConnection;
}

describe('waitForLoadBalancer', () => {
  it('returns the address once the Service has one', async () => {
    const client = serviceReads(
      { status: {} },
      { status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } },
    );
    await expect(
      waitForLoadBalancer(client, 'traefik', 'traefik', logger, 10_000),
    ).resolves.toBe('203.0.113.7');
  });

  it('is cancelled by the task signal while waiting', async () => {
    const controller = new AbortController();
    const waiting = waitForLoadBalancer(
      serviceReads({ status: {} }),
      'traefik',
      'traefik',
      logger,
      600_000,
      controller.signal,
    );
    setTimeout(() => controller.abort(new Error('task cancelled')), 50);
    await expect(waiting).rejects.toThrow('task cancelled');
  });

  it('fails at once when the Service does not exist, and names the step that creates it', async () => {
    await expect(
      waitForLoadBalancer(
        serviceReads(undefined),
        'traefik',
        'traefik',
        logger,
        600_000,
      ),
    ).rejects.toThrow(/not found: install Traefik first/);
  });
});
