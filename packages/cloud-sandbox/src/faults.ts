/**
 * Fault injection per route: an answer with a given status (429 with retry-after, 5xx, a 422 with
 * the provider's message...), a slow answer, or both.
 */
export interface FaultSpec {
  /** Match by the spec's operationId ... */
  operationId?: string;
  /** ... or by method and path: the spec's template (`/v2/kubernetes/clusters/{cluster_id}`), a concrete path, or a RegExp. */
  method?: string;
  path?: string | RegExp;
  /** Status to answer with; without one the request is only delayed, then served normally. */
  status?: number;
  /** How many matching requests it applies to (default 1; `Infinity` for all). */
  times?: number;
  /** Seconds sent in `retry-after` (and `ratelimit-reset` for DigitalOcean). */
  retryAfter?: number;
  /** Wait this long (real milliseconds) before answering. */
  delayMs?: number;
  /** Message in the provider's error envelope. */
  message?: string;
  /** DigitalOcean error `id` / Cloudflare error `code`. */
  code?: string | number;
}

export interface Fault extends Readonly<FaultSpec> {
  readonly hits: number;
  readonly remaining: number;
  remove(): void;
}

export interface RouteInfo {
  operationId?: string;
  method: string;
  path: string;
  template?: string;
}

interface FaultState {
  spec: FaultSpec;
  hits: number;
  remaining: number;
}

export class FaultRegistry {
  #faults: FaultState[] = [];

  add(spec: FaultSpec): Fault {
    if (!spec.operationId && !spec.path)
      throw new Error('a fault needs an operationId or a path');
    if (spec.status === undefined && spec.delayMs === undefined)
      throw new Error('a fault needs a status, a delayMs, or both');
    const state: FaultState = {
      spec: { ...spec },
      hits: 0,
      remaining: spec.times ?? 1,
    };
    this.#faults.push(state);
    return {
      ...state.spec,
      get hits() {
        return state.hits;
      },
      get remaining() {
        return state.remaining;
      },
      remove: () => {
        this.#faults = this.#faults.filter(f => f !== state);
      },
    };
  }

  clear(): void {
    this.#faults = [];
  }

  get size(): number {
    return this.#faults.filter(f => f.remaining > 0).length;
  }

  /** Takes the first fault that matches this request (and counts it). */
  take(route: RouteInfo): FaultSpec | undefined {
    for (const f of this.#faults) {
      if (f.remaining <= 0 || !matches(f.spec, route)) continue;
      f.remaining -= 1;
      f.hits += 1;
      return f.spec;
    }
    return undefined;
  }
}

function matches(spec: FaultSpec, route: RouteInfo): boolean {
  if (spec.operationId && spec.operationId !== route.operationId) return false;
  if (spec.method && spec.method.toUpperCase() !== route.method.toUpperCase())
    return false;
  if (spec.path !== undefined) {
    if (spec.path instanceof RegExp) return spec.path.test(route.path);
    return spec.path === route.path || spec.path === route.template;
  }
  return true;
}
