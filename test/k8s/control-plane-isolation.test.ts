/**
 * Two local control planes side by side: own ports, own data, own CA; both stop cleanly.
 * Also: the LoadBalancer controller copies DigitalOcean's hostname annotation into the status and
 * frees the address when the Service stops being a LoadBalancer.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startControlPlane } from '@voting-platform/local-kubernetes';
import { waitUntil } from '@voting-platform/timing';

function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  return waitUntil(check, {
    timeoutMs,
    intervalMs: 200,
    timeoutMessage: () => `${what}: not within ${timeoutMs / 1000} s`,
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('two control planes run side by side and stop cleanly', async () => {
  const started = await Promise.allSettled([
    startControlPlane({ nodes: 1 }),
    startControlPlane({ nodes: 1 }),
  ]);
  const planes = started.flatMap(s =>
    s.status === 'fulfilled' ? [s.value] : [],
  );
  const [a, b] = planes;
  try {
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    assert.ok(a && b);
    assert.notEqual(a.server, b.server);
    assert.notEqual(
      a.kubeconfigYaml,
      b.kubeconfigYaml,
      'each start has its own CA and credentials',
    );
    assert.equal(
      (
        await a.api('POST', '/api/v1/namespaces', {
          metadata: { name: 'only-in-a' },
        })
      ).status,
      201,
    );
    assert.equal(
      (await a.api('GET', '/api/v1/namespaces/only-in-a')).status,
      200,
    );
    assert.equal(
      (await b.api('GET', '/api/v1/namespaces/only-in-a')).status,
      404,
    );

    const service = {
      metadata: {
        name: 'lb',
        annotations: {
          'service.beta.kubernetes.io/do-loadbalancer-hostname':
            'vote.example.test',
        },
      },
      spec: {
        type: 'LoadBalancer',
        selector: { app: 'lb' },
        ports: [{ port: 80 }],
      },
    };
    assert.equal(
      (await b.api('POST', '/api/v1/namespaces/default/services', service))
        .status,
      201,
    );
    const ingress = await until('LoadBalancer status', async () => {
      const { body } = await b.api(
        'GET',
        '/api/v1/namespaces/default/services/lb',
      );
      return body.status?.loadBalancer?.ingress?.[0];
    });
    assert.equal(ingress.hostname, 'vote.example.test');
    assert.match(ingress.ip, /^127\.0\.0\./);

    const patched = await b.api(
      'PATCH',
      '/api/v1/namespaces/default/services/lb',
      { spec: { type: 'ClusterIP', ports: [{ port: 80, nodePort: null }] } },
      'application/strategic-merge-patch+json',
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await until('LoadBalancer status cleared', async () => {
      const { body } = await b.api(
        'GET',
        '/api/v1/namespaces/default/services/lb',
      );
      return (body.status?.loadBalancer?.ingress ?? []).length === 0
        ? true
        : undefined;
    });
  } finally {
    const pids = planes.flatMap(p => Object.values(p.pids));
    await Promise.all(planes.map(p => p.stop()));
    assert.deepEqual(pids.filter(alive), []);
    for (const p of planes) assert.equal(existsSync(p.dir), false);
  }
});

test('a start that cannot finish stops what it started and says why', async () => {
  const before = Date.now();
  await assert.rejects(startControlPlane({ timeoutMs: 1 }), (error: Error) => {
    assert.match(error.message, /not ready after/);
    assert.match(
      error.message,
      /--- kube-apiserver/,
      "the error shows the components' logs",
    );
    return true;
  });
  assert.ok(Date.now() - before < 30_000);
});
