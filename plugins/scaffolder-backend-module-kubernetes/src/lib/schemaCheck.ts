import type { KubeClient, KubeObject } from './kubeClient';

type Schema = Record<string, any>;

interface GroupVersionDoc {
  components: { schemas: Record<string, Schema> };
}

/**
 * Checks objects against the OpenAPI v3 schemas the API server publishes at /openapi/v3 (built-in
 * kinds and every installed CRD): types, required fields, enums and, unlike kubernetes-models,
 * unknown fields (a typo such as `readinesProbe` is an error, not silently dropped). Nothing is
 * sent to the server but GETs of the schema documents.
 */
export class SchemaChecker {
  readonly #client: KubeClient;
  #index?: Record<string, { serverRelativeURL: string }>;
  readonly #docs = new Map<string, Promise<GroupVersionDoc | undefined>>();

  constructor(client: KubeClient) {
    this.#client = client;
  }

  async #doc(apiVersion: string): Promise<GroupVersionDoc | undefined> {
    if (!this.#index) {
      this.#index = (await this.#client.request<{ paths: Record<string, { serverRelativeURL: string }> }>('GET', '/openapi/v3')).paths;
    }
    const key = apiVersion.includes('/') ? `apis/${apiVersion}` : `api/${apiVersion}`;
    const entry = this.#index[key];
    if (!entry) return undefined;
    if (!this.#docs.has(key)) this.#docs.set(key, this.#client.request<GroupVersionDoc>('GET', entry.serverRelativeURL));
    return this.#docs.get(key);
  }

  /** Forgets the documents (after CRDs were installed). */
  reset(): void {
    this.#index = undefined;
    this.#docs.clear();
  }

  /** True when the server publishes a schema for this kind. */
  async knows(apiVersion: string, kind: string): Promise<boolean> {
    const doc = await this.#doc(apiVersion);
    return !!doc && !!findKind(doc, apiVersion, kind);
  }

  /**
   * Waits until the server publishes the schema of a kind (a CRD's schema appears in /openapi/v3
   * a few seconds after the CRD is established). False when it did not within timeoutMs.
   */
  async waitFor(apiVersion: string, kind: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.knows(apiVersion, kind)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise(r => setTimeout(r, 500));
      this.reset();
    }
  }

  /** Problems of one object, each as `Kind/name: path: message`; empty when valid. */
  async check(obj: KubeObject): Promise<string[]> {
    const label = `${obj.kind}/${obj.metadata?.name}`;
    const doc = await this.#doc(obj.apiVersion);
    const schema = doc && findKind(doc, obj.apiVersion, obj.kind);
    if (!doc || !schema) return [`${label}: the cluster publishes no schema for ${obj.kind} (${obj.apiVersion})`];
    const problems: string[] = [];
    walk(doc, schema, obj, '', problems);
    return problems.map(p => `${label}: ${p}`);
  }
}

function findKind(doc: GroupVersionDoc, apiVersion: string, kind: string): Schema | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return Object.values(doc.components?.schemas ?? {}).find(s =>
    (s['x-kubernetes-group-version-kind'] ?? []).some(
      (g: any) => g.group === group && g.version === version && g.kind === kind,
    ),
  );
}

function resolve(doc: GroupVersionDoc, schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    if (s.$ref) {
      s = doc.components.schemas[String(s.$ref).replace('#/components/schemas/', '')] ?? {};
    } else if (Array.isArray(s.allOf) && s.allOf.length === 1 && !s.properties && !s.type) {
      s = { ...s.allOf[0], ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'allOf')) };
    } else {
      return s;
    }
  }
  return s;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function walk(doc: GroupVersionDoc, raw: Schema, value: unknown, path: string, problems: string[]): void {
  const schema = resolve(doc, raw);
  const at = path || '(root)';
  if (value === null && schema.nullable) return;
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !Number.isInteger(value)) problems.push(`${at}: must be an integer or a string`);
    return;
  }
  const actual = typeOf(value);
  const wanted = schema.type as string | undefined;
  if (wanted) {
    const ok = wanted === actual || (wanted === 'number' && actual === 'integer');
    if (!ok) {
      problems.push(`${at}: must be ${wanted === 'object' ? 'an object' : `a ${wanted}`}, got ${actual}`);
      return;
    }
  }
  if (Array.isArray(schema.enum) && schema.enum.length > 0 && !schema.enum.includes(value)) {
    problems.push(`${at}: must be one of ${schema.enum.join(', ')}`);
  }
  if (actual === 'array' && schema.items) {
    (value as unknown[]).forEach((item, i) => walk(doc, schema.items, item, `${path}[${i}]`, problems));
    return;
  }
  if (actual !== 'object') return;
  const obj = value as Record<string, unknown>;
  for (const key of schema.required ?? []) {
    if (obj[key] === undefined) problems.push(`${path ? `${path}.` : ''}${key}: is required`);
  }
  const properties: Record<string, Schema> | undefined = schema.properties;
  if (properties) {
    for (const [key, child] of Object.entries(obj)) {
      const childPath = path ? `${path}.${key}` : key;
      if (properties[key]) walk(doc, properties[key], child, childPath, problems);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') walk(doc, schema.additionalProperties, child, childPath, problems);
      else if (!schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties !== true) {
        problems.push(`${childPath}: unknown field "${key}"`);
      }
    }
  } else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    for (const [key, child] of Object.entries(obj)) walk(doc, schema.additionalProperties, child, path ? `${path}.${key}` : key, problems);
  }
}
