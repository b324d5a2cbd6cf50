/**
 * A stand-in for the Prometheus of kube-prometheus-stack on a cluster that runs no containers (a
 * local control plane with kwok's pretend nodes): Prometheus' HTTP API answer for the alerts
 * query, served on this machine, and the wiring that makes the cluster's Prometheus Service lead
 * there through the Kubernetes API server's service proxy.
 *
 * What kube-apiserver (v1.36) accepts, found against the real one: its service proxy reads the
 * Service's Endpoints (not EndpointSlices); it proxies only to an address whose `targetRef` Pod
 * lists that IP in its status; Endpoints may not hold loopback addresses. Hence a non-loopback
 * address of this machine, a Pod that is never scheduled (so kwok leaves its status alone) with
 * that address patched into its status, and Endpoints naming that Pod.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import * as k8s from '@kubernetes/client-node';

/** Why the stand-in cannot be reached on a machine without a non-loopback IPv4 address. */
export const NO_MACHINE_ADDRESS =
  "this machine has no non-loopback IPv4 address, and the Kubernetes API server's service proxy refuses loopback endpoints: sandbox mode cannot serve a cluster's Prometheus (connect the machine to a network, even a dummy interface, and restart)";

/** This machine's first non-loopback IPv4 address; undefined when it has none. */
export function machineAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces()))
    for (const a of addresses ?? [])
      if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/** An alert as Prometheus' `GET /api/v1/alerts` lists it. */
export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  state: 'firing' | 'pending';
  activeAt?: string;
  value?: string;
}

/**
 * The alert kube-prometheus-stack fires all the time on purpose, to prove that alerting works.
 */
export function watchdogAlert(activeAt: Date): PrometheusAlert {
  return {
    labels: { alertname: 'Watchdog', severity: 'none' },
    annotations: {
      summary:
        'An alert that should always be firing to certify that Alertmanager is working properly.',
    },
    state: 'firing',
    activeAt: activeAt.toISOString(),
    value: '1e+00',
  };
}

/** What the stand-in answers: alerts, or an error Prometheus' way (e.g. an unreadable alerts file). */
export type AlertsAnswer = PrometheusAlert[] | { error: string };

export interface PrometheusStandIn {
  /** Where it listens: this machine's non-loopback address and a free port. */
  ip: string;
  port: number;
  /** Every path asked for, in order. */
  paths: string[];
  stop(): Promise<void>;
}

/**
 * Serves `GET /api/v1/alerts` (Prometheus' HTTP API, its documented envelope) with what `alerts`
 * gives at the time of each request; any other path is 404 as in Prometheus. Throws
 * {@link NO_MACHINE_ADDRESS} when this machine has no address the API server would proxy to.
 */
export async function startPrometheusStandIn(
  alerts: () => AlertsAnswer | Promise<AlertsAnswer>,
): Promise<PrometheusStandIn> {
  const ip = machineAddress();
  if (!ip) throw new Error(NO_MACHINE_ADDRESS);
  const paths: string[] = [];
  const server: Server = createServer(async (req, res) => {
    paths.push(req.url ?? '');
    const path = new URL(req.url ?? '/', 'http://prometheus').pathname;
    if (path !== '/api/v1/alerts' || req.method !== 'GET') {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('404 page not found\n');
      return;
    }
    let answer: AlertsAnswer;
    try {
      answer = await alerts();
    } catch (error) {
      answer = { error: (error as Error).message };
    }
    const body = Array.isArray(answer)
      ? { status: 'success', data: { alerts: answer } }
      : { status: 'error', errorType: 'internal', error: answer.error };
    res
      .writeHead(Array.isArray(answer) ? 200 : 500, {
        'content-type': 'application/json',
      })
      .end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, ip, resolve);
  });
  return {
    ip,
    port: (server.address() as AddressInfo).port,
    paths,
    stop: () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Makes the selector-less Service `namespace/service` lead to `ip:port` for the API server's
 * service proxy: Endpoints for its port `portName`, naming a Pod (`prometheus-<service>-0`, the
 * name Prometheus Operator gives Prometheus' first pod) that is never scheduled and whose status
 * carries `ip`. The Endpoints go first, so that an address the API server refuses changes nothing.
 * `kubeconfig` is an admin kubeconfig's YAML text.
 */
export async function routeServiceToAddress(
  kubeconfig: string,
  target: {
    namespace: string;
    service: string;
    portName: string;
    ip: string;
    port: number;
  },
): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const { namespace, service, portName, ip, port } = target;
  const pod = `prometheus-${service}-0`;
  const apply = k8s.setHeaderOptions(
    'Content-Type',
    k8s.PatchStrategy.ServerSideApply,
  );
  const fieldManager = 'prometheus-stand-in';
  await core.patchNamespacedEndpoints(
    {
      name: service,
      namespace,
      fieldManager,
      force: true,
      body: {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: service, namespace },
        subsets: [
          {
            addresses: [
              { ip, targetRef: { kind: 'Pod', name: pod, namespace } },
            ],
            ports: [{ name: portName, port, protocol: 'TCP' }],
          },
        ],
      },
    },
    apply,
  );
  await core.patchNamespacedPod(
    {
      name: pod,
      namespace,
      fieldManager,
      force: true,
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: pod, namespace },
        spec: {
          // no node has this label: never scheduled, so kwok never rewrites its status
          nodeSelector: { 'prometheus-stand-in/never-scheduled': 'true' },
          containers: [{ name: 'prometheus', image: 'prometheus-stand-in' }],
        },
      },
    },
    apply,
  );
  await core.patchNamespacedPodStatus(
    {
      name: pod,
      namespace,
      body: { status: { podIP: ip, podIPs: [{ ip }] } },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
  );
}
