/**
 * A local Helm chart repository of the stand-in charts (Traefik, kube-prometheus-stack): packaged
 * with the pinned Helm, indexed, and served over HTTP on loopback, so the Helm steps install from
 * a repository by URL as they do in production.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface ChartRepository {
  url: string;
  /** Chart name -> version served. */
  charts: Record<string, string>;
  stop(): Promise<void>;
}

export async function serveChartRepository(options: {
  helm: string;
  /** Folder with one folder per chart. */
  source: string;
  /** Where the packages and the index go (emptied first). */
  dir: string;
  port: number;
}): Promise<ChartRepository> {
  const { helm, source, dir, port } = options;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const charts: Record<string, string> = {};
  for (const name of readdirSync(source)) {
    const chart = join(source, name);
    let meta: { name: string; version: string };
    try {
      meta = parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8'));
    } catch {
      continue; // not a chart (the README)
    }
    const packaged = spawnSync(helm, ['package', chart, '-d', dir], {
      encoding: 'utf8',
    });
    if (packaged.status !== 0)
      throw new Error(`helm package ${name} failed: ${packaged.stderr}`);
    charts[meta.name] = meta.version;
  }
  const url = `http://127.0.0.1:${port}`;
  const indexed = spawnSync(helm, ['repo', 'index', dir, '--url', url], {
    encoding: 'utf8',
  });
  if (indexed.status !== 0)
    throw new Error(`helm repo index failed: ${indexed.stderr}`);
  const files = new Set(readdirSync(dir));
  const server: Server = createServer((req, res) => {
    const file = decodeURIComponent(
      new URL(req.url ?? '/', url).pathname,
    ).slice(1);
    if (req.method !== 'GET' || !files.has(file)) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, {
        'content-type': file.endsWith('.yaml')
          ? 'application/yaml'
          : 'application/gzip',
      })
      .end(readFileSync(join(dir, file)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url,
    charts,
    stop: () => new Promise(resolve => server.close(() => resolve())),
  };
}
