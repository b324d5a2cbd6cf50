import * as k8s from '@kubernetes/client-node';

/**
 * A Kubernetes API error; carries the server's message, never the request or its credentials.
 *
 * @public
 */
export class KubernetesError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason?: string,
    /** What the server's Status names (e.g. `namespaces` when a namespace is missing). */
    readonly detailsKind?: string,
  ) {
    super(message);
    this.name = 'KubernetesError';
  }
}

/**
 * An object as sent to the API server: client-node's object header, a name, and any other fields.
 *
 * @public
 */
export type KubeObject = k8s.KubernetesObject & {
  apiVersion: string;
  kind: string;
  metadata: k8s.V1ObjectMeta & { name: string };
  [key: string]: unknown;
};

/**
 * `Kind/namespace/name` (or `Kind/name` for cluster-scoped objects).
 *
 * @public
 */
export const ref = (o: KubeObject) =>
  `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${
    o.metadata.name
  }`;

/** @public */
export interface ApplyOptions {
  /** The field manager that owns what is sent (conflicts are forced). */
  fieldManager: string;
  /** `dryRun=All`: every stage runs (defaulting, validation, admission), nothing is stored. */
  dryRun?: boolean;
}

/**
 * client-node's object API plus the two things it does not do: telling whether a kind is served
 * (without throwing), and server-side apply of an object exactly as given (its typed serializer
 * would drop fields it does not know on built-in kinds, so a typo would never reach the server).
 * Requests still go through the client's own HTTP stack: the kubeconfig's TLS, credentials
 * (exec plugins included) and proxy apply.
 */
class ObjectApi extends k8s.KubernetesObjectApi {
  static for(
    kc: k8s.KubeConfig,
    timeoutMs: number,
    signal?: AbortSignal,
  ): ObjectApi {
    const api = kc.makeApiClient(ObjectApi);
    api.setDefaultNamespace(kc);
    // every request ends after timeoutMs, or when the task is cancelled
    (api.configuration.middleware as k8s.ObservableMiddleware[]).push({
      pre: request => {
        const timeout = AbortSignal.timeout(timeoutMs);
        request.setSignal(
          signal ? AbortSignal.any([timeout, signal]) : timeout,
        );
        return new k8s.Observable(Promise.resolve(request));
      },
      post: response => new k8s.Observable(Promise.resolve(response)),
    });
    return api;
  }

  async served(apiVersion: string, kind: string): Promise<boolean> {
    try {
      return !!(await this.resource(apiVersion, kind));
    } catch (err) {
      if (err instanceof k8s.ApiException && err.code === 404) return false;
      throw err;
    }
  }

  async applyAsIs(obj: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const path = await this.specUriPath(structuredClone(obj), 'patch');
    const request = this.configuration.baseServer.makeRequestContext(
      path,
      k8s.HttpMethod.PATCH,
    );
    request.setHeaderParam('Accept', 'application/json');
    request.setHeaderParam('Content-Type', 'application/apply-patch+yaml');
    request.setQueryParam('fieldManager', options.fieldManager);
    request.setQueryParam('force', 'true');
    request.setQueryParam('fieldValidation', 'Strict');
    if (options.dryRun) request.setQueryParam('dryRun', 'All');
    // JSON is YAML: the object goes to the server as given
    request.setBody(JSON.stringify(obj));
    return this.requestPromise<KubeObject>(request);
  }

  /** A GET answered with JSON that is no Kubernetes object (e.g. through the service proxy). */
  async getJson<T>(path: string): Promise<T> {
    const request = this.configuration.baseServer.makeRequestContext(
      path,
      k8s.HttpMethod.GET,
    );
    request.setHeaderParam('Accept', 'application/json');
    // 'any': the serializer hands the parsed answer back as it is
    return (await this.requestPromise(request, 'any')) as unknown as T;
  }
}

/** @public */
export interface ConnectionOptions {
  /** Folder that relative file paths in the kubeconfig resolve against. */
  baseDir?: string;
  /** Time-out of one request (default 30 s). */
  requestTimeoutMs?: number;
  /** Cancels requests in flight (e.g. the task's signal). */
  signal?: AbortSignal;
}

/**
 * One Kubernetes cluster, reached through `@kubernetes/client-node`: its `KubeConfig` loads the
 * kubeconfig (inline data or file paths, `exec` credential plugins, `proxy-url`,
 * `tls-server-name`) and makes every request. Reads use the client's object API; writes are
 * server-side apply with `fieldValidation=Strict`, and `dryRun` lets the API server itself check
 * objects (unknown fields, schemas, CEL rules, admission) before anything is stored. Errors carry
 * the server's message, never the kubeconfig or its credentials.
 *
 * @public
 */
export class KubernetesConnection {
  readonly server: string;
  readonly #kc: k8s.KubeConfig;
  readonly #objects: ObjectApi;
  readonly #timeoutMs: number;

  private constructor(kc: k8s.KubeConfig, options: ConnectionOptions) {
    const cluster = kc.getCurrentCluster();
    if (!cluster?.server)
      throw new Error('the kubeconfig has no server in its current context');
    this.server = cluster.server.replace(/\/$/, '');
    this.#kc = kc;
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#objects = ObjectApi.for(kc, this.#timeoutMs, options.signal);
  }

  /** The current context of a kubeconfig (YAML text). */
  static fromKubeconfig(
    text: string,
    options: ConnectionOptions = {},
  ): KubernetesConnection {
    const kc = new k8s.KubeConfig();
    try {
      kc.loadFromString(text);
    } catch {
      // the parser's message may quote the kubeconfig
      throw new Error(
        'the kubeconfig is not valid (YAML with clusters, contexts and users)',
      );
    }
    if (options.baseDir) kc.makePathsAbsolute(options.baseDir);
    return new KubernetesConnection(kc, options);
  }

  /** The current context of a kubeconfig file (file paths in it relative to its folder). */
  static fromFile(
    path: string,
    options: Omit<ConnectionOptions, 'baseDir'> = {},
  ): KubernetesConnection {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(path);
    return new KubernetesConnection(kc, options);
  }

  /** A typed API client of this cluster (e.g. `k8s.CoreV1Api`); its requests have no time-out of this connection's. */
  api<T extends k8s.ApiType>(type: k8s.ApiConstructor<T>): T {
    return this.#kc.makeApiClient(type);
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.#error(what, err);
    }
  }

  #error(what: string, err: unknown): Error {
    if (err instanceof KubernetesError) return err;
    if (err instanceof k8s.ApiException) {
      let body: any = err.body;
      if (typeof body === 'string') {
        try {
          body = JSON.parse(body);
        } catch {
          /* not JSON */
        }
      }
      const message =
        typeof body === 'object' && body?.message
          ? body.message
          : String(body ?? '').slice(0, 300);
      return new KubernetesError(
        `${what}: ${err.code} ${message}`,
        err.code,
        body?.reason,
        body?.details?.kind,
      );
    }
    // time-outs, cancellation, network errors (fetch failed, with the reason in `cause`), credential plugin failures
    const e = err as Error & { cause?: { message?: string; code?: string } };
    if (e?.name === 'TimeoutError')
      return new Error(
        `Kubernetes API ${
          new URL(this.server).host
        }, ${what}: no answer within ${this.#timeoutMs} ms`,
      );
    if (e?.name === 'AbortError')
      return new Error(
        `Kubernetes API ${new URL(this.server).host}, ${what}: cancelled`,
      );
    const cause = e?.cause?.code ?? e?.cause?.message;
    return new Error(
      `Kubernetes API ${new URL(this.server).host}, ${what}: ${
        e?.message ?? String(err)
      }${cause ? ` (${cause})` : ''}`,
    );
  }

  /** Whether the cluster serves a kind (false e.g. for a CRD kind whose CRD is not installed). */
  served(apiVersion: string, kind: string): Promise<boolean> {
    return this.#call(`discovery of ${kind} (${apiVersion})`, () =>
      this.#objects.served(apiVersion, kind),
    );
  }

  /** One object; undefined when it (or its kind) does not exist. */
  async get<T = KubeObject>(
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
  ): Promise<T | undefined> {
    if (!(await this.served(apiVersion, kind))) return undefined;
    try {
      return (await this.#call(
        `GET ${kind}/${namespace ? `${namespace}/` : ''}${name}`,
        () =>
          this.#objects.read({
            apiVersion,
            kind,
            metadata: { name, namespace },
          }),
      )) as T;
    } catch (err) {
      if (err instanceof KubernetesError && err.status === 404)
        return undefined;
      throw err;
    }
  }

  /** The objects of a kind (in a namespace, matching a label selector); empty when the kind is not served. */
  async list<T = KubeObject>(
    apiVersion: string,
    kind: string,
    namespace?: string,
    labelSelector?: string,
  ): Promise<T[]> {
    if (!(await this.served(apiVersion, kind))) return [];
    const answer = await this.#call(
      `LIST ${kind}${namespace ? ` in ${namespace}` : ''}`,
      () =>
        this.#objects.list(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          labelSelector,
        ),
    );
    return (answer.items ?? []) as T[];
  }

  /**
   * Deletes one object, its dependents in the background (a StatefulSet's pods, not its claims:
   * those follow its retention policy; a namespace with everything in it). False when it (or its
   * kind) was absent already. The object may stay a while with its finalizers: wait for
   * {@link KubernetesConnection.get} to find nothing.
   */
  async delete(
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
    options: { dryRun?: boolean } = {},
  ): Promise<boolean> {
    if (!(await this.served(apiVersion, kind))) return false;
    try {
      await this.#call(
        `DELETE ${kind}/${namespace ? `${namespace}/` : ''}${name}`,
        () =>
          this.#objects.delete(
            { apiVersion, kind, metadata: { name, namespace } },
            undefined,
            options.dryRun ? 'All' : undefined,
            undefined,
            undefined,
            'Background',
          ),
      );
      return true;
    } catch (err) {
      if (err instanceof KubernetesError && err.status === 404) return false;
      throw err;
    }
  }

  /**
   * GET of a path of a Service inside the cluster through the API server's service proxy
   * (`/api/v1/namespaces/<ns>/services/<name>:<port>/proxy/<path>`): the kubeconfig's
   * credentials reach it with no port-forward and no public address. The answer must be JSON.
   * `port` is the Service port's name or number.
   */
  serviceProxyGet<T>(
    namespace: string,
    service: string,
    port: string | number,
    path: string,
  ): Promise<T> {
    const e = encodeURIComponent;
    return this.#call(
      `GET ${path} of Service ${namespace}/${service}:${port} (service proxy)`,
      () =>
        this.#objects.getJson<T>(
          `/api/v1/namespaces/${e(namespace)}/services/${e(service)}:${e(
            String(port),
          )}/proxy/${path.replace(/^\//, '')}`,
        ),
    );
  }

  /** Server-side apply of one object as given (`fieldValidation=Strict`, conflicts forced). */
  apply(obj: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    return this.#call(
      `${options.dryRun ? 'dry-run apply' : 'apply'} ${ref(obj)}`,
      async () => {
        if (!(await this.#objects.served(obj.apiVersion, obj.kind))) {
          throw new KubernetesError(
            `the cluster does not serve ${obj.kind} (${obj.apiVersion})`,
            404,
            'NotFound',
          );
        }
        return this.#objects.applyAsIs(obj, options);
      },
    );
  }
}
