import * as k8s from '@kubernetes/client-node';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import {
  connect,
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startLocalCluster, type LocalCluster } from './testUtils/cluster';
import { KubernetesConnection, KubernetesError } from './KubernetesConnection';

jest.setTimeout(120_000);

describe('KubernetesConnection without an answer', () => {
  let silent: NetServer;
  let kubeconfigText: string;
  const sockets = new Set<{ destroy(): void }>();
  beforeAll(async () => {
    // accepts connections and never answers
    silent = createNetServer(socket => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve));
    const server = `https://127.0.0.1:${
      (silent.address() as AddressInfo).port
    }`;
    kubeconfigText = stringify({
      clusters: [
        { name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } },
      ],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
      users: [{ name: 'u', user: { token: 'some-token-0123456789' } }],
    });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise(resolve => silent.close(resolve));
  });

  it('gives up after the request time-out, and when cancelled', async () => {
    const started = Date.now();
    const slow = KubernetesConnection.fromKubeconfig(kubeconfigText, {
      requestTimeoutMs: 300,
    });
    await expect(slow.served('v1', 'ConfigMap')).rejects.toThrow(
      /^Kubernetes API 127.0.0.1:\d+, discovery of ConfigMap \(v1\): no answer within 300 ms$/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    const controller = new AbortController();
    const cancelled = KubernetesConnection.fromKubeconfig(kubeconfigText, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await expect(
      cancelled.get('v1', 'ConfigMap', 'x', 'default'),
    ).rejects.toThrow(/: cancelled$/);
  });
});

describe('KubernetesConnection against a local control plane', () => {
  let cluster: LocalCluster;
  let server: string;
  let caData: string;
  const dir = mkdtempSync(join(tmpdir(), 'kube-connection-test-'));

  beforeAll(async () => {
    cluster = await startLocalCluster();
    const admin = parse(cluster.adminKubeconfig);
    server = admin.clusters[0].cluster.server;
    caData = admin.clusters[0].cluster['certificate-authority-data'];
  });
  afterAll(() => {
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const kubeconfig = (clusterEntry: object, user: object) =>
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: clusterEntry }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
      users: [{ name: 'u', user }],
    });

  /** Who the API server says the caller is. */
  async function whoAmI(
    connection: KubernetesConnection,
  ): Promise<string | undefined> {
    const review = await connection
      .api(k8s.AuthenticationV1Api)
      .createSelfSubjectReview({
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'SelfSubjectReview',
        },
      });
    return review.status?.userInfo?.username;
  }

  /** Applies a ConfigMap through the connection and reads it back. */
  async function roundTrip(connection: KubernetesConnection, name: string) {
    await connection.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'default' },
        data: { via: name },
      },
      { fieldManager: name },
    );
    const cm: any = await connection.get('v1', 'ConfigMap', name, 'default');
    expect(cm.data).toEqual({ via: name });
    expect(cm.metadata.managedFields.map((f: any) => f.manager)).toContain(
      name,
    );
  }

  it('an exec credential plugin (as doctl writes them) provides the token', async () => {
    const calls = join(dir, 'exec-calls');
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, cluster.token, { mode: 0o600 });
    const plugin = join(dir, 'fake-doctl');
    writeFileSync(
      plugin,
      `#!/bin/sh\necho "$*" >> '${calls}'\nprintf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"%s"}}' "$(cat '${tokenFile}')"\n`,
    );
    chmodSync(plugin, 0o755);
    const connection = KubernetesConnection.fromKubeconfig(
      kubeconfig(
        { server, 'certificate-authority-data': caData },
        {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: plugin,
            args: [
              'kubernetes',
              'cluster',
              'kubeconfig',
              'exec-credential',
              '--version=v1beta1',
              'cluster-id',
            ],
            interactiveMode: 'IfAvailable',
            provideClusterInfo: false,
          },
        },
      ),
    );
    expect(await whoAmI(connection)).toBe(
      'system:serviceaccount:kube-system:do-admin',
    );
    await roundTrip(connection, 'via-exec');
    expect(readFileSync(calls, 'utf8')).toContain(
      'kubernetes cluster kubeconfig exec-credential --version=v1beta1 cluster-id',
    );
  });

  it('certificate-authority, client-certificate and client-key as file paths (relative to the kubeconfig file)', async () => {
    const admin = parse(cluster.adminKubeconfig);
    const user = admin.users.find(
      (u: any) => u.name === admin.contexts[0].context.user,
    ).user;
    const files = join(dir, 'files');
    mkdirSync(join(files, 'pki'), { recursive: true });
    writeFileSync(join(files, 'pki/ca.crt'), Buffer.from(caData, 'base64'));
    writeFileSync(
      join(files, 'pki/admin.crt'),
      Buffer.from(user['client-certificate-data'], 'base64'),
    );
    writeFileSync(
      join(files, 'pki/admin.key'),
      Buffer.from(user['client-key-data'], 'base64'),
      { mode: 0o600 },
    );
    const path = join(files, 'kubeconfig');
    writeFileSync(
      path,
      kubeconfig(
        { server, 'certificate-authority': 'pki/ca.crt' },
        {
          'client-certificate': 'pki/admin.crt',
          'client-key': 'pki/admin.key',
        },
      ),
    );
    const connection = KubernetesConnection.fromFile(path);
    const adminName = await whoAmI(cluster.admin);
    expect(adminName).toBeTruthy();
    expect(await whoAmI(connection)).toBe(adminName);
    await roundTrip(connection, 'via-files');
    // the same kubeconfig read as text, its paths resolved against a folder
    await roundTrip(
      KubernetesConnection.fromKubeconfig(readFileSync(path, 'utf8'), {
        baseDir: files,
      }),
      'via-files-text',
    );
  });

  it('proxy-url: requests go through the proxy', async () => {
    let tunnels = 0;
    const open = new Set<{ destroy(): void }>();
    const proxy: Server = createServer();
    proxy.on('connect', (req, socket, head) => {
      tunnels++;
      open.add(socket);
      const [host, port] = String(req.url).split(':');
      const upstream = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      open.add(upstream);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxyUrl = `http://127.0.0.1:${
        (proxy.address() as AddressInfo).port
      }`;
      const connection = KubernetesConnection.fromKubeconfig(
        kubeconfig(
          {
            server,
            'certificate-authority-data': caData,
            'proxy-url': proxyUrl,
          },
          { token: cluster.token },
        ),
      );
      await roundTrip(connection, 'via-proxy');
      expect(tunnels).toBeGreaterThan(0);
    } finally {
      for (const s of open) s.destroy();
      await new Promise(resolve => proxy.close(resolve));
    }
  });

  it('tls-server-name: the server certificate is checked against that name', async () => {
    const wrong = KubernetesConnection.fromKubeconfig(
      kubeconfig(
        {
          server,
          'certificate-authority-data': caData,
          'tls-server-name': 'not-the-apiserver.example.com',
        },
        { token: cluster.token },
      ),
    );
    await expect(wrong.served('v1', 'ConfigMap')).rejects.toThrow(
      /not-the-apiserver\.example\.com|altnames|ERR_TLS_CERT_ALTNAME_INVALID/,
    );
    const right = KubernetesConnection.fromKubeconfig(
      kubeconfig(
        {
          server: server.replace('127.0.0.1', 'localhost'),
          'certificate-authority-data': caData,
          'tls-server-name': 'kubernetes.default',
        },
        { token: cluster.token },
      ),
    );
    expect(await right.served('v1', 'ConfigMap')).toBe(true);
  });

  it('deletes an object (a dry run keeps it), and says false when it (or its kind) is absent already', async () => {
    const connection = KubernetesConnection.fromKubeconfig(
      cluster.tokenKubeconfig,
    );
    await roundTrip(connection, 'deleted');
    expect(
      await connection.delete('v1', 'ConfigMap', 'deleted', 'default', {
        dryRun: true,
      }),
    ).toBe(true);
    expect(
      await connection.get('v1', 'ConfigMap', 'deleted', 'default'),
    ).toBeDefined();
    expect(
      await connection.delete('v1', 'ConfigMap', 'deleted', 'default'),
    ).toBe(true);
    expect(
      await connection.get('v1', 'ConfigMap', 'deleted', 'default'),
    ).toBeUndefined();
    expect(
      await connection.delete('v1', 'ConfigMap', 'deleted', 'default'),
    ).toBe(false);
    expect(
      await connection.delete(
        'traefik.io/v1alpha1',
        'IngressRoute',
        'missing',
        'default',
      ),
    ).toBe(false);
  });

  it("serviceProxyGet names the Service and port in the API server's refusal", async () => {
    const connection = KubernetesConnection.fromKubeconfig(
      cluster.tokenKubeconfig,
    );
    await connection.apply(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'no-endpoints', namespace: 'default' },
        spec: { ports: [{ name: 'web', port: 80 }] },
      },
      { fieldManager: 'test' },
    );
    const err = await connection
      .serviceProxyGet('default', 'no-endpoints', 'web', '/api/v1/alerts')
      .then(
        () => {
          throw new Error('the service proxy answered');
        },
        (e: KubernetesError) => e,
      );
    expect(err).toBeInstanceOf(KubernetesError);
    // a Service without a selector and without Endpoints: the API server's proxy has nowhere to go
    expect(err).toMatchObject({ status: 404 });
    expect(err.message).toMatch(
      /^GET \/api\/v1\/alerts of Service default\/no-endpoints:web \(service proxy\): 404 \w+ "no-endpoints" not found$/,
    );
    expect(err.message).not.toContain(cluster.token);
  });

  it("errors carry the server's message and never the credentials", async () => {
    const connection = KubernetesConnection.fromKubeconfig(
      cluster.tokenKubeconfig,
    );
    expect(
      await connection.get('v1', 'ConfigMap', 'missing', 'default'),
    ).toBeUndefined();
    expect(
      await connection.get(
        'traefik.io/v1alpha1',
        'IngressRoute',
        'missing',
        'default',
      ),
    ).toBeUndefined();
    expect(await connection.served('traefik.io/v1alpha1', 'IngressRoute')).toBe(
      false,
    );
    const err = await connection
      .apply(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'x', namespace: 'no-such-namespace' },
        },
        { fieldManager: 't' },
      )
      .catch(e => e);
    expect(err).toBeInstanceOf(KubernetesError);
    expect(err).toMatchObject({ status: 404, detailsKind: 'namespaces' });
    expect(err.message).toMatch(
      /^apply ConfigMap\/no-such-namespace\/x: 404 namespaces "no-such-namespace" not found$/,
    );
    const denied = KubernetesConnection.fromKubeconfig(
      kubeconfig(
        { server, 'certificate-authority-data': caData },
        { token: 'not-a-valid-token-0123456789' },
      ),
    );
    const unauthorized = await denied
      .get('v1', 'ConfigMap', 'x', 'default')
      .catch(e => e);
    expect(unauthorized).toMatchObject({ status: 401 });
    expect(unauthorized.message).not.toContain('not-a-valid-token');
    expect(() =>
      KubernetesConnection.fromKubeconfig(`users: [${cluster.token}`),
    ).toThrow(/^the kubeconfig is not valid/);
    expect(() =>
      KubernetesConnection.fromKubeconfig(`users: [${cluster.token}`),
    ).not.toThrow(cluster.token);
  });
});
