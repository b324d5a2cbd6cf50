import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import { parse } from 'yaml';

/** A Kubernetes API error; carries the server's message, never the request or its credentials. */
export class KubernetesError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'KubernetesError';
  }
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

interface Resource {
  plural: string;
  namespaced: boolean;
}

const b64 = (value: string | undefined) =>
  value === undefined ? undefined : Buffer.from(value, 'base64');

/**
 * A small client of the Kubernetes REST API, made from a kubeconfig's current context (token or
 * client certificate, CA data). `@kubernetes/client-node` is ESM-only (it cannot be loaded by the
 * scaffolder's CommonJS backend under jest) and its typed serializer drops unknown fields; this
 * client sends objects as they are, so the API server's strict field validation sees them.
 */
export class KubeClient {
  readonly server: string;
  readonly #tls: RequestOptions;
  readonly #headers: Record<string, string>;
  readonly #resources = new Map<string, Resource | null>();

  private constructor(server: string, tls: RequestOptions, headers: Record<string, string>) {
    this.server = server.replace(/\/$/, '');
    this.#tls = tls;
    this.#headers = headers;
  }

  /** Reads the current context of a kubeconfig (YAML text). Errors never quote the kubeconfig. */
  static fromKubeconfig(text: string): KubeClient {
    let config: any;
    try {
      config = parse(text);
    } catch {
      throw new Error('the kubeconfig is not valid YAML');
    }
    const contextName = config?.['current-context'];
    const context = (config?.contexts ?? []).find((c: any) => c?.name === contextName)?.context;
    const cluster = (config?.clusters ?? []).find((c: any) => c?.name === context?.cluster)?.cluster;
    const user = (config?.users ?? []).find((u: any) => u?.name === context?.user)?.user ?? {};
    if (!cluster?.server) throw new Error('the kubeconfig has no server in its current context');
    const headers: Record<string, string> = {};
    if (user.token) headers.authorization = `Bearer ${user.token}`;
    const tls: RequestOptions = {
      ca: b64(cluster['certificate-authority-data']),
      cert: b64(user['client-certificate-data']),
      key: b64(user['client-key-data']),
      rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    };
    return new KubeClient(cluster.server, tls, headers);
  }

  /** One API call; JSON in and out. Non-2xx answers throw a KubernetesError with the server's message. */
  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
    timeoutMs = 30_000,
  ): Promise<T> {
    const url = new URL(`${this.server}${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(
        url,
        {
          ...(url.protocol === 'https:' ? this.#tls : {}),
          method,
          timeout: timeoutMs,
          headers: {
            ...this.#headers,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': contentType }),
          },
        },
        res => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', chunk => {
            text += chunk;
          });
          res.on('end', () => {
            let parsed: any = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              /* not JSON */
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              resolve(parsed as T);
              return;
            }
            const message =
              typeof parsed === 'object' && parsed?.message
                ? parsed.message
                : String(text).slice(0, 300);
            reject(
              new KubernetesError(
                `${method} ${url.pathname}: ${status} ${message}`,
                status,
                parsed?.reason,
              ),
            );
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`${method} ${url.pathname}: no answer within ${timeoutMs} ms`)),
      );
      req.on('error', err =>
        reject(
          err instanceof KubernetesError
            ? err
            : new Error(`Kubernetes API ${url.host} not reachable: ${err.message}`),
        ),
      );
      req.end(payload);
    });
  }

  /** The REST resource of a kind (discovery, cached); undefined when the server does not serve it (e.g. a CRD not installed). */
  async resourceFor(apiVersion: string, kind: string): Promise<Resource | undefined> {
    const key = `${apiVersion}/${kind}`;
    if (!this.#resources.has(key)) {
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      try {
        const list = await this.request<{ resources: { name: string; kind: string; namespaced: boolean }[] }>('GET', base);
        for (const r of list.resources) {
          if (!r.name.includes('/')) {
            this.#resources.set(`${apiVersion}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
          }
        }
      } catch (err) {
        if (!(err instanceof KubernetesError && err.status === 404)) throw err;
      }
      if (!this.#resources.has(key)) this.#resources.set(key, null);
    }
    return this.#resources.get(key) ?? undefined;
  }

  /** Forgets discovery answers (after CRDs were installed). */
  forgetDiscovery(): void {
    this.#resources.clear();
  }

  async path(apiVersion: string, kind: string, name?: string, namespace?: string): Promise<string> {
    const resource = await this.resourceFor(apiVersion, kind);
    if (!resource) throw new KubernetesError(`the cluster does not serve ${kind} (${apiVersion})`, 404, 'NotFound');
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
    return `${base}${ns}/${resource.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  /** Server-side apply of one object with this field manager (conflicts forced: this manager owns what it sends). */
  async apply(obj: KubeObject, fieldManager: string): Promise<KubeObject> {
    const path = await this.path(obj.apiVersion, obj.kind, obj.metadata.name, obj.metadata.namespace);
    const query = new URLSearchParams({ fieldManager, force: 'true', fieldValidation: 'Strict' });
    return this.request('PATCH', `${path}?${query}`, obj, 'application/apply-patch+yaml');
  }

  /** GET one object; undefined when it does not exist. */
  async get<T = KubeObject>(apiVersion: string, kind: string, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', await this.path(apiVersion, kind, name, namespace));
    } catch (err) {
      if (err instanceof KubernetesError && err.status === 404) return undefined;
      throw err;
    }
  }

  async list<T = KubeObject>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<T[]> {
    const query = labelSelector ? `?${new URLSearchParams({ labelSelector })}` : '';
    const answer = await this.request<{ items: T[] }>('GET', `${await this.path(apiVersion, kind, undefined, namespace)}${query}`);
    return answer.items ?? [];
  }
}
