/**
 * What both emulators share: one HTTP server on 127.0.0.1, routing by the spec's operations,
 * token check, fault injection, contract checks of every request and response, coverage.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { realClock, sleep, type Clock } from '@voting-platform/timing';
import {
  Contract,
  type ContractViolation,
  type OperationInfo,
  type ViolationKind,
} from './contract';
import { FaultRegistry, type FaultSpec } from './faults';
import { defaultCoverageDir, type Provider } from './paths';

export interface Reply {
  status: number;
  /** JSON body */
  body?: unknown;
  /** non-JSON body (with contentType) */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RequestContext {
  method: string;
  operationId: string;
  /** path parameters, decoded */
  params: Record<string, string>;
  query: URLSearchParams;
  body: any;
  /** base URL of this emulator including the API root, e.g. http://127.0.0.1:1234/v2 */
  baseUrl: string;
  /** URL of this request, absolute */
  url: URL;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export interface EmulatorOptions {
  /** Port to listen on (default 0: a free one). */
  port?: number;
  /** Token the emulator accepts (a random one by default; read it from `.token`). */
  token?: string;
  /** Clock for lifecycle transitions (default: real time). */
  clock?: Clock;
  /**
   * When the emulator's own response breaks the contract, answer 500 naming the violation instead
   * of the faulty body (default true), so the caller fails loudly as well as the violation list.
   */
  strictResponses?: boolean;
  /** Folder for the coverage JSON written on stop(); false to write none. */
  coverageDir?: string | false;
  /** Print each violation to stderr as it happens (default true). */
  logViolations?: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  operationId?: string;
  status: number;
  fault?: boolean;
}

export interface OperationCoverage extends OperationInfo {
  calls: number;
  statuses: Record<string, number>;
}

export interface CoverageReport {
  provider: Provider;
  total: number;
  exercised: number;
  operations: OperationCoverage[];
}

export class ContractViolationError extends Error {
  readonly violations: ContractViolation[];
  constructor(violations: ContractViolation[]) {
    super(
      `${violations.length} contract violation(s):\n${violations
        .map(
          v =>
            `  [${v.provider} ${v.kind}] ${v.method} ${v.path}${
              v.operationId ? ` (${v.operationId})` : ''
            }${v.status ? ` -> ${v.status}` : ''}: ${v.errors.join('; ')}`,
        )
        .join('\n')}`,
    );
    this.name = 'ContractViolationError';
    this.violations = violations;
  }
}

function templateToRegExp(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map(part =>
      part.startsWith('{')
        ? `(?<${part.slice(1, -1).replace(/\W/g, '_')}>[^/]+)`
        : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}/?$`);
}

export abstract class Emulator {
  abstract readonly provider: Provider;
  readonly faults = new FaultRegistry();
  readonly violations: ContractViolation[] = [];
  readonly requests: RequestRecord[] = [];
  readonly token: string;
  readonly clock: Clock;
  protected readonly options: EmulatorOptions;
  #server?: Server;
  #contract?: Contract;
  #coverage = new Map<string, OperationCoverage>();
  #paramPatterns = new Map<string, RegExp>();
  #overrides = new Map<string, Handler>();

  constructor(options: EmulatorOptions = {}) {
    this.options = options;
    this.token = options.token ?? this.defaultToken();
    this.clock = options.clock ?? realClock;
  }

  protected abstract defaultToken(): string;
  /** Handlers by operationId; each must name an operation of the spec. */
  protected abstract handlers(): Record<string, Handler>;
  /** The provider's error body for a status. */
  protected abstract errorReply(
    status: number,
    message: string,
    code?: string | number,
    retryAfter?: number,
  ): Reply;
  protected abstract authorized(req: IncomingMessage): boolean;
  /** Headers the provider adds to every answer. */
  protected abstract commonHeaders(status: number): Record<string, string>;

  get port(): number {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error(`${this.provider} emulator is not started`);
    return address.port;
  }

  /** http://127.0.0.1:PORT */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The base URL to give the SDK. */
  abstract get url(): string;

  get contract(): Contract {
    if (!this.#contract)
      throw new Error(`${this.provider} emulator is not started`);
    return this.#contract;
  }

  async start(): Promise<this> {
    if (this.#server) return this;
    this.#contract = await Contract.load(this.provider);
    const known = new Set(this.#contract.operations.map(o => o.operationId));
    for (const operationId of Object.keys(this.handlers())) {
      if (!known.has(operationId))
        throw new Error(
          `${this.provider} emulator serves ${operationId}, which is not an operation of the spec`,
        );
    }
    for (const op of this.#contract.operations) {
      this.#coverage.set(op.operationId, { ...op, calls: 0, statuses: {} });
    }
    const server = createServer((req, res) => {
      this.#handle(req, res).catch(err => {
        // a bug of the emulator: make it as visible as a contract violation
        this.recordViolation({
          kind: 'response',
          method: req.method ?? '',
          path: (req.url ?? '').split('?')[0] ?? '',
          errors: [`the emulator failed: ${(err as Error).stack ?? err}`],
        });
        if (!res.headersSent) {
          res.writeHead(500, {
            'content-type': 'text/plain',
            'x-cloud-sandbox-violation': 'response',
          });
          res.end(
            `cloud-sandbox internal error: ${(err as Error).message ?? err}`,
          );
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>(resolve => server.close(() => resolve()));
    if (this.options.coverageDir !== false)
      this.writeCoverage(this.options.coverageDir ?? defaultCoverageDir());
  }

  /**
   * Replaces the emulated behaviour of one operation (or restores it with `undefined`), e.g. to
   * answer the way a provider did in an incident. Its answers are checked like any other.
   */
  override(operationId: string, handler: Handler | undefined): void {
    if (
      this.#contract &&
      !this.#contract.operations.some(o => o.operationId === operationId)
    ) {
      throw new Error(
        `${operationId} is not an operation of the ${this.provider} spec`,
      );
    }
    if (handler) this.#overrides.set(operationId, handler);
    else this.#overrides.delete(operationId);
  }

  /** Throws a {@link ContractViolationError} listing every violation recorded so far. */
  assertNoViolations(): void {
    if (this.violations.length > 0)
      throw new ContractViolationError([...this.violations]);
  }

  clearViolations(): void {
    this.violations.length = 0;
  }

  coverage(): CoverageReport {
    const operations = [...this.#coverage.values()].map(o => ({
      ...o,
      statuses: { ...o.statuses },
    }));
    return {
      provider: this.provider,
      total: operations.length,
      exercised: operations.filter(o => o.calls > 0).length,
      operations,
    };
  }

  /** Writes this emulator's coverage as JSON into `dir` (one file per emulator run); returns the file. */
  writeCoverage(dir: string): string {
    mkdirSync(dir, { recursive: true });
    const file = join(
      dir,
      `${this.provider}-${process.pid}-${Date.now()}-${randomUUID().slice(
        0,
        8,
      )}.json`,
    );
    writeFileSync(file, `${JSON.stringify(this.coverage(), null, 2)}\n`);
    return file;
  }

  protected recordViolation(v: Omit<ContractViolation, 'provider'>): void {
    const violation = { provider: this.provider, ...v };
    this.violations.push(violation);
    if (this.options.logViolations !== false) {
      console.error(
        `cloud-sandbox: CONTRACT VIOLATION ${new ContractViolationError([
          violation,
        ]).message
          .split('\n')[1]
          ?.trim()}`,
      );
    }
  }

  async #readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  #params(op: OperationInfo, pathname: string): Record<string, string> {
    let pattern = this.#paramPatterns.get(op.operationId);
    if (!pattern) {
      pattern = templateToRegExp(
        `${this.contract.apiRoot === '/' ? '' : this.contract.apiRoot}${
          op.path
        }`,
      );
      this.#paramPatterns.set(op.operationId, pattern);
    }
    const groups = pathname.match(pattern)?.groups ?? {};
    return Object.fromEntries(
      Object.entries(groups).map(([k, v]) => [k, decodeURIComponent(v)]),
    );
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, this.origin);
    const text = await this.#readBody(req);
    const record: RequestRecord = { method, path: url.pathname, status: 0 };
    this.requests.push(record);
    // a long-running sandbox keeps the latest requests only
    if (this.requests.length > 10_000)
      this.requests.splice(0, this.requests.length - 10_000);

    const op = this.contract.match(method, rawUrl);
    if (!op) {
      this.recordViolation({
        kind: 'unmatched-route',
        method,
        path: url.pathname,
        errors: ['no operation of the spec matches this method and path'],
      });
      return this.#send(
        res,
        record,
        marked(
          this.errorReply(
            404,
            'The resource you were accessing could not be found.',
          ),
          'unmatched-route',
        ),
        undefined,
      );
    }
    record.operationId = op.operationId;
    const coverage = this.#coverage.get(op.operationId);
    if (coverage) coverage.calls += 1;

    const respond = (reply: Reply, fault = false) =>
      this.#send(res, record, reply, op, fault);

    if (!this.authorized(req))
      return respond(this.errorReply(401, 'Unable to authenticate you'));

    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        this.recordViolation({
          kind: 'request',
          method,
          path: url.pathname,
          operationId: op.operationId,
          errors: ['request body is not valid JSON'],
        });
        return respond(
          marked(
            this.errorReply(400, 'The request body is not valid JSON'),
            'request',
          ),
        );
      }
    }
    const requestErrors = this.contract.checkRequest(op.operationId, {
      method,
      url: rawUrl,
      headers: req.headers,
      body,
    });
    if (requestErrors.length > 0) {
      this.recordViolation({
        kind: 'request',
        method,
        path: url.pathname,
        operationId: op.operationId,
        errors: requestErrors,
      });
      return respond(
        marked(
          this.errorReply(
            400,
            `The request does not match the API: ${requestErrors.join('; ')}`,
          ),
          'request',
        ),
      );
    }

    const fault = this.faults.take({
      operationId: op.operationId,
      method,
      path: url.pathname,
      template: `${this.contract.apiRoot === '/' ? '' : this.contract.apiRoot}${
        op.path
      }`,
    });
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.status !== undefined)
      return respond(this.faultReply(fault), true);

    const handler =
      this.#overrides.get(op.operationId) ?? this.handlers()[op.operationId];
    if (!handler)
      return respond(
        this.errorReply(
          501,
          `cloud-sandbox does not emulate ${op.operationId}`,
        ),
      );
    const reply = await handler({
      method,
      operationId: op.operationId,
      params: this.#params(op, url.pathname),
      query: url.searchParams,
      body,
      baseUrl: this.url,
      url,
    });
    return respond(reply);
  }

  protected faultReply(fault: FaultSpec): Reply {
    const status = fault.status ?? 500;
    const reply = this.errorReply(
      status,
      fault.message ?? defaultFaultMessage(status),
      fault.code,
      fault.retryAfter,
    );
    if (fault.retryAfter !== undefined)
      reply.headers = {
        ...reply.headers,
        'retry-after': String(fault.retryAfter),
      };
    return reply;
  }

  #send(
    res: ServerResponse,
    record: RequestRecord,
    reply: Reply,
    op: OperationInfo | undefined,
    fault = false,
  ): void {
    let final = reply;
    const headers: Record<string, string> = {
      ...this.commonHeaders(reply.status),
      ...reply.headers,
    };
    let payload = '';
    let contentType: string | undefined;
    if (reply.body !== undefined) {
      payload = JSON.stringify(reply.body);
      contentType = 'application/json';
    } else if (reply.text !== undefined) {
      payload = reply.text;
      contentType = reply.contentType ?? 'text/plain';
    }
    if (op) {
      const problems = this.contract
        .checkResponse(op.operationId, {
          status: reply.status,
          headers,
          contentType,
          body: reply.body ?? reply.text,
        })
        // an injected fault may use a status the document leaves out (Cloudflare declares no 5xx): real APIs send them too
        .filter(p => !(fault && p.kind === 'undeclared-status'));
      if (problems.length > 0) {
        for (const p of problems) {
          this.recordViolation({
            kind: p.kind as ViolationKind,
            method: record.method,
            path: record.path,
            operationId: op.operationId,
            status: reply.status,
            errors: p.errors,
          });
        }
        if (this.options.strictResponses !== false) {
          final = this.errorReply(
            500,
            `cloud-sandbox: the emulated response breaks the ${
              this.provider
            } contract: ${problems.flatMap(p => p.errors).join('; ')}`,
          );
          payload = JSON.stringify(final.body);
          contentType = 'application/json';
          Object.assign(headers, this.commonHeaders(500), {
            'x-cloud-sandbox-violation': 'response',
          });
        }
      }
      const coverage = this.#coverage.get(op.operationId);
      if (coverage)
        coverage.statuses[final.status] =
          (coverage.statuses[final.status] ?? 0) + 1;
    }
    record.status = final.status;
    if (fault) record.fault = true;
    if (contentType) headers['content-type'] = contentType;
    headers['content-length'] = String(Buffer.byteLength(payload));
    res.writeHead(final.status, headers);
    res.end(payload);
  }
}

/** Tells a caller that the emulator, not the provider, refused: `x-cloud-sandbox-violation: <kind>`. */
function marked(reply: Reply, kind: ViolationKind): Reply {
  return {
    ...reply,
    headers: { ...reply.headers, 'x-cloud-sandbox-violation': kind },
  };
}

function defaultFaultMessage(status: number): string {
  if (status === 429) return 'API rate limit exceeded.';
  if (status === 503) return 'Service temporarily unavailable.';
  if (status >= 500) return 'Unexpected server-side error';
  if (status === 422) return 'The request could not be processed.';
  return `Injected fault (${status})`;
}
