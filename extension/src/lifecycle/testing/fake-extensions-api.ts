/**
 * A minimal stand-in for the Lambda Extensions API + Telemetry API subscription, for the extension's unit tests and
 * benchmark (not the sandbox emulator: no runtime, no processes). It records what the extension calls and lets
 * the test hand out INVOKE/SHUTDOWN events and deliver telemetry batches to the subscribed listener.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ErrorCall {
  kind: 'init' | 'exit';
  errorType: string;
  body: string;
}

export class FakeExtensionsApi extends EventEmitter {
  registered?: { name: string; events: string[]; acceptFeature?: string; id: string };
  subscription?: { schemaVersion: string; types: string[]; destination: { URI: string } };
  /** When each event/next call arrived (hrtime ms), in order. */
  readonly nextCalls: number[] = [];
  readonly errorCalls: ErrorCall[] = [];
  /** Calls made before register that needed an identifier, or with a wrong one. */
  protocolViolations = 0;
  private pending?: http.ServerResponse;
  private readonly id = randomUUID();

  private constructor(
    private readonly server: http.Server,
    readonly runtimeApi: string,
  ) {
    super();
  }

  static async start(subscribeStatus = 200): Promise<FakeExtensionsApi> {
    let self: FakeExtensionsApi | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => self?.handle(req, res, Buffer.concat(chunks).toString('utf8'), subscribeStatus));
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    self = new FakeExtensionsApi(server, `127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string, subscribeStatus: number): void {
    const url = req.url ?? '';
    if (url === '/2020-01-01/extension/register' && req.method === 'POST') {
      const b = JSON.parse(body) as { events: string[] };
      this.registered = {
        name: String(req.headers['lambda-extension-name']),
        events: b.events,
        acceptFeature: req.headers['lambda-extension-accept-feature'] as string | undefined,
        id: this.id,
      };
      res.writeHead(200, { 'content-type': 'application/json', 'lambda-extension-identifier': this.id });
      res.end(
        JSON.stringify({
          functionName: 'fake-fn',
          functionVersion: '$LATEST',
          handler: 'index.handler',
          accountId: '123456789012',
        }),
      );
      this.emit('register');
      return;
    }
    if (req.headers['lambda-extension-identifier'] !== this.id) this.protocolViolations++;
    if (url === '/2022-07-01/telemetry' && req.method === 'PUT') {
      this.subscription = JSON.parse(body);
      res.writeHead(subscribeStatus, { 'content-type': 'application/json' }).end('"OK"');
      return;
    }
    if (url === '/2020-01-01/extension/event/next' && req.method === 'GET') {
      this.nextCalls.push(Number(process.hrtime.bigint()) / 1e6);
      this.pending = res;
      this.emit('next', this.nextCalls.length);
      return;
    }
    const m = /^\/2020-01-01\/extension\/(init|exit)\/error$/.exec(url);
    if (m && req.method === 'POST') {
      this.errorCalls.push({
        kind: m[1] as 'init' | 'exit',
        errorType: String(req.headers['lambda-extension-function-error-type']),
        body,
      });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
      this.emit('error-call');
      return;
    }
    res.writeHead(404).end();
  }

  /** Resolves when the extension has made its `count`-th event/next call (and is waiting in it). */
  waitForNext(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.nextCalls.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('next', on);
        reject(new Error(`event/next #${count} not called within ${timeoutMs} ms (calls: ${this.nextCalls.length})`));
      }, timeoutMs);
      const on = (n: number) => {
        if (n >= count) {
          clearTimeout(timer);
          this.off('next', on);
          resolve();
        }
      };
      this.on('next', on);
    });
  }

  /** Answers the pending event/next. */
  deliver(event: Record<string, unknown>): void {
    const res = this.pending;
    if (!res) throw new Error('no pending event/next');
    this.pending = undefined;
    res
      .writeHead(200, { 'content-type': 'application/json', 'lambda-extension-event-identifier': randomUUID() })
      .end(JSON.stringify(event));
  }

  invoke(requestId: string, deadlineInMs = 3000): void {
    this.deliver({
      eventType: 'INVOKE',
      deadlineMs: Date.now() + deadlineInMs,
      requestId,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fake-fn',
    });
  }

  shutdown(budgetMs = 2000, reason = 'spindown'): void {
    this.deliver({ eventType: 'SHUTDOWN', deadlineMs: Date.now() + budgetMs, shutdownReason: reason });
  }

  /** POSTs a telemetry batch to the subscribed destination (sandbox.localdomain is mapped to 127.0.0.1). */
  postTelemetry(events: unknown[]): Promise<number> {
    const uri = this.subscription?.destination.URI;
    if (!uri) throw new Error('not subscribed');
    const u = new URL(uri);
    const host = u.hostname === 'sandbox.localdomain' ? '127.0.0.1' : u.hostname;
    const body = JSON.stringify(events);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host,
          port: Number(u.port),
          path: u.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): Promise<void> {
    this.pending?.destroy();
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}
