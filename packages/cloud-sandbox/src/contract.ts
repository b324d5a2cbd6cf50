/**
 * The contract: every request an emulator receives and every response it sends is checked
 * against the provider's OpenAPI document with openapi-backend (ajv underneath).
 */
import { readFileSync } from 'node:fs';
import OpenAPIBackend, {
  ValidationContext,
  type Operation,
} from 'openapi-backend';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { specPath, type Provider } from './paths';

export type ViolationKind =
  /** the request breaks the spec (parameters, query, body) */
  | 'request'
  /** the emulator's response breaks the spec (body, headers, content type) */
  | 'response'
  /** the response status is not declared for the operation */
  | 'undeclared-status'
  /** no spec operation matches the method and path */
  | 'unmatched-route';

export interface ContractViolation {
  provider: Provider;
  kind: ViolationKind;
  method: string;
  path: string;
  operationId?: string;
  status?: number;
  errors: string[];
}

export interface OperationInfo {
  operationId: string;
  method: string;
  /** the spec's path template, e.g. `/v2/kubernetes/clusters/{cluster_id}` */
  path: string;
}

export interface RequestToCheck {
  method: string;
  /** path with query string, as received */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

export interface ResponseToCheck {
  status: number;
  headers: Record<string, string>;
  contentType?: string;
  /** parsed JSON body, or the text for other content types, or undefined when empty */
  body?: unknown;
}

/**
 * Known defects of the stored documents that would fail every correct client or server; each is
 * worked around narrowly here and named in the report (see also the README of shared/specs).
 */
const CLOUDFLARE_FAILURE_SCHEMAS: Record<string, string> = {
  // The DNS and Origin CA 4XX schemas are allOf[success envelope (success: true), failure
  // envelope (success: false)]: no body can satisfy both, so an error body is checked against
  // the failure envelope of the same family instead.
  'dns-records-for-a-zone-': 'dns-records_api-response-common-failure',
  'origin-ca-': 'tls-certificates-and-hostnames_api-response-common-failure',
};
/**
 * Cloudflare declares a required JSON body for these DELETEs, which the SDK (rightly) sends
 * without a body; a missing body is accepted, a present one is still checked.
 */
const CLOUDFLARE_OPTIONAL_BODIES = new Set([
  'dns-records-for-a-zone-delete-dns-record',
  'origin-ca-revoke-certificate',
]);

/**
 * dots-wrapper sends `page` and `per_page` on every list call, also to lists the document gives
 * no query parameters (node pools, firewall rules, users...). DigitalOcean ignores them; any
 * other undeclared query parameter (a misspelt filter, say) stays a violation.
 */
const TOLERATED_QUERY: Record<Provider, Set<string>> = {
  digitalocean: new Set(['page', 'per_page']),
  cloudflare: new Set(),
};

const API_ROOTS: Record<Provider, string> = {
  digitalocean: '/',
  cloudflare: '/client/v4',
};

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(e => {
    const where = e.instancePath || '(root)';
    const extra =
      e.params && Object.keys(e.params).length > 0
        ? ` ${JSON.stringify(e.params)}`
        : '';
    return `${where} ${e.message ?? e.keyword}${extra}`;
  });
}

function statusKey(status: number, declared: string[]): string | undefined {
  const exact = String(status);
  if (declared.includes(exact)) return exact;
  const range = `${Math.floor(status / 100)}XX`;
  if (declared.includes(range)) return range;
  return declared.includes('default') ? 'default' : undefined;
}

const cache = new Map<string, Promise<Contract>>();

export class Contract {
  readonly provider: Provider;
  readonly apiRoot: string;
  readonly operations: OperationInfo[];
  readonly #api: OpenAPIBackend;
  readonly #extra = new Map<string, ValidateFunction>();

  private constructor(provider: Provider, api: OpenAPIBackend) {
    this.provider = provider;
    this.#api = api;
    this.apiRoot = API_ROOTS[provider];
    this.operations = api.router.getOperations().map(op => ({
      operationId: op.operationId ?? '',
      method: op.method.toUpperCase(),
      path: op.path,
    }));
  }

  /** Loads (once per process and file) the provider's document and compiles its validators. */
  static load(
    provider: Provider,
    file = specPath(provider),
  ): Promise<Contract> {
    const key = `${provider}:${file}`;
    let loading = cache.get(key);
    if (!loading) {
      loading = (async () => {
        const definition = JSON.parse(readFileSync(file, 'utf8'));
        const api = new OpenAPIBackend({
          definition,
          apiRoot: API_ROOTS[provider],
          strict: true,
          // compile each operation's validators on first use (the documents are checked once
          // with @seriousme/openapi-schema-validator by this package's tests)
          quick: true,
          validate: true,
          coerceTypes: true,
          // every error, so that a tolerated one (see TOLERATED_QUERY) cannot hide another
          ajvOpts: { allErrors: true },
          customizeAjv: ajv => {
            addFormats(ajv as never, [
              'date-time',
              'date',
              'time',
              'uuid',
              'uri',
              'email',
              'hostname',
              'ipv4',
              'ipv6',
            ]);
            ajv.addFormat('cidr', /^[0-9a-fA-F:.]+\/\d{1,3}$/);
            return ajv;
          },
        });
        await api.init();
        return new Contract(provider, api);
      })();
      cache.set(key, loading);
      loading.catch(() => cache.delete(key));
    }
    return loading;
  }

  /** The spec operation for a method and path (query string allowed), if any. */
  match(method: string, url: string): OperationInfo | undefined {
    const op = this.#api.router.matchOperation({
      method: method.toLowerCase(),
      path: url.split('?')[0] ?? url,
      headers: {},
    });
    if (!op?.operationId) return undefined;
    return {
      operationId: op.operationId,
      method: op.method.toUpperCase(),
      path: op.path,
    };
  }

  /** Errors of a request against its operation (empty when it conforms). */
  checkRequest(operationId: string, req: RequestToCheck): string[] {
    const [path, query = ''] = req.url.split('?');
    const result = this.#api.validator.validateRequest(
      {
        method: req.method.toLowerCase(),
        path: path ?? '/',
        query,
        headers: req.headers as Record<string, string | string[]>,
        body: req.body,
      },
      operationId,
    );
    let errors = result.errors ?? [];
    if (req.body === undefined && CLOUDFLARE_OPTIONAL_BODIES.has(operationId)) {
      errors = errors.filter(
        e =>
          !(
            e.keyword === 'required' &&
            (e.params as { missingProperty?: string }).missingProperty ===
              'requestBody'
          ),
      );
    }
    const tolerated = TOLERATED_QUERY[this.provider];
    errors = errors.filter(
      e =>
        !(
          e.keyword === 'additionalProperties' &&
          e.instancePath === '/query' &&
          tolerated.has(
            String(
              (e.params as { additionalProperty?: string }).additionalProperty,
            ),
          )
        ),
    );
    return formatErrors(errors);
  }

  /** Problems of a response against its operation: undeclared status, content type, body and headers. */
  checkResponse(
    operationId: string,
    res: ResponseToCheck,
  ): { kind: ViolationKind; errors: string[] }[] {
    const op = this.#api.router.getOperation(operationId) as
      | Operation
      | undefined;
    if (!op)
      return [
        { kind: 'response', errors: [`unknown operation ${operationId}`] },
      ];
    const declared = Object.keys(op.responses ?? {});
    const key = statusKey(res.status, declared);
    if (!key) {
      return [
        {
          kind: 'undeclared-status',
          errors: [
            `status ${res.status} is not declared (declared: ${declared.join(
              ', ',
            )})`,
          ],
        },
      ];
    }
    const problems: { kind: ViolationKind; errors: string[] }[] = [];
    const response = (
      op.responses as Record<string, { content?: Record<string, unknown> }>
    )[key];
    const media = Object.keys(response?.content ?? {});
    const hasBody = res.body !== undefined && res.body !== '';
    const type = (res.contentType ?? '').split(';')[0]?.trim() ?? '';
    if (hasBody && media.length === 0)
      problems.push({
        kind: 'response',
        errors: [
          `status ${res.status} declares no body, but one was sent (${type})`,
        ],
      });
    if (hasBody && media.length > 0 && !media.includes(type)) {
      problems.push({
        kind: 'response',
        errors: [
          `content type ${type || '(none)'} is not declared for ${
            res.status
          } (declared: ${media.join(', ')})`,
        ],
      });
    }
    if (!hasBody && media.length > 0 && media.includes('application/json')) {
      problems.push({
        kind: 'response',
        errors: [
          `status ${res.status} declares a JSON body, but none was sent`,
        ],
      });
    }
    if (hasBody && type === 'application/json') {
      const errors = this.#checkJsonBody(operationId, res.status, res.body);
      if (errors.length > 0) problems.push({ kind: 'response', errors });
    }
    // Header values travel as text: give integer/number headers their declared type before checking.
    const declaredHeaders =
      (response as { headers?: Record<string, { schema?: { type?: string } }> })
        ?.headers ?? {};
    const typed: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      const kind = declaredHeaders[name]?.schema?.type;
      typed[name] =
        (kind === 'integer' || kind === 'number') &&
        value.trim() !== '' &&
        !Number.isNaN(Number(value))
          ? Number(value)
          : value;
    }
    const headers = this.#api.validator.validateResponseHeaders(
      typed,
      operationId,
      { statusCode: res.status },
    );
    if (headers.errors?.length)
      problems.push({
        kind: 'response',
        errors: formatErrors(headers.errors).map(e => `header ${e}`),
      });
    return problems;
  }

  #checkJsonBody(operationId: string, status: number, body: unknown): string[] {
    if (
      this.provider === 'cloudflare' &&
      status >= 400 &&
      (body as { success?: unknown })?.success === false
    ) {
      const family = Object.keys(CLOUDFLARE_FAILURE_SCHEMAS).find(prefix =>
        operationId.startsWith(prefix),
      );
      if (family)
        return this.#validateComponent(
          CLOUDFLARE_FAILURE_SCHEMAS[family]!,
          body,
        );
    }
    return formatErrors(
      this.#api.validator.validateResponse(body, operationId, status).errors,
    );
  }

  #validateComponent(name: string, body: unknown): string[] {
    let validate = this.#extra.get(name);
    if (!validate) {
      const schema = (
        this.#api.definition.components?.schemas as Record<string, object>
      )[name];
      if (!schema) return [`schema ${name} missing from the document`];
      validate = this.#api.validator
        .getAjv(ValidationContext.Response)
        .compile(schema);
      this.#extra.set(name, validate);
    }
    validate(body);
    return formatErrors(validate.errors);
  }
}
