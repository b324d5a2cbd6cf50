/**
 * The Prometheus stand-in answers the alerts query in Prometheus' envelope (alerts, or an error),
 * at this machine's non-loopback address, and nothing else. Its wiring into a cluster is tested
 * against the real API server (test/sandbox/clusters.test.ts, the voting backend's status test).
 */
import assert from 'node:assert/strict';
import {
  machineAddress,
  startPrometheusStandIn,
  watchdogAlert,
  type AlertsAnswer,
  type PrometheusStandIn,
} from './prometheus';

describe('Prometheus stand-in', () => {
  let answer: AlertsAnswer = [];
  let prometheus: PrometheusStandIn;
  beforeAll(async () => {
    prometheus = await startPrometheusStandIn(() => answer);
  });
  afterAll(() => prometheus.stop());
  const get = (path: string) =>
    fetch(`http://${prometheus.ip}:${prometheus.port}${path}`);

  it('listens on the non-loopback address of this machine', () => {
    assert.equal(prometheus.ip, machineAddress());
    assert.doesNotMatch(prometheus.ip, /^127\./);
  });

  it('answers GET /api/v1/alerts with the alerts of the moment', async () => {
    const since = new Date('2026-11-30T21:00:00Z');
    answer = [watchdogAlert(since)];
    const res = await get('/api/v1/alerts');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      status: 'success',
      data: {
        alerts: [
          {
            labels: { alertname: 'Watchdog', severity: 'none' },
            annotations: { summary: watchdogAlert(since).annotations?.summary },
            state: 'firing',
            activeAt: '2026-11-30T21:00:00.000Z',
            value: '1e+00',
          },
        ],
      },
    });
    assert.deepEqual(prometheus.paths.slice(-1), ['/api/v1/alerts']);
  });

  it("answers an error in Prometheus' error envelope", async () => {
    answer = { error: 'alerts.json: Unexpected end of JSON input' };
    const res = await get('/api/v1/alerts');
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), {
      status: 'error',
      errorType: 'internal',
      error: 'alerts.json: Unexpected end of JSON input',
    });
  });

  it('has no other path', async () => {
    assert.equal((await get('/api/v1/rules')).status, 404);
  });
});
