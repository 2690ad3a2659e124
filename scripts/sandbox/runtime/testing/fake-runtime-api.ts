/**
 * Test double of the Runtime API (2018-06-01) on 127.0.0.1: hands out queued events on `/next`, records what
 * the runtime posts back. Only for this folder's tests; the sandbox's real one lives in scripts/sandbox/emulator.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Posted {
  kind: 'response' | 'error' | 'init-error';
  requestId?: string;
  headers: IncomingMessage['headers'];
  trailers: Record<string, string | undefined>;
  body: string;
}

export interface QueuedInvoke {
  event: unknown;
  requestId?: string;
  /** Extra `/next` headers (e.g. Lambda-Runtime-Trace-Id); values are sent as given. */
  headers?: Record<string, string>;
  deadlineMs?: number;
}

interface Pending {
  invoke: Required<Pick<QueuedInvoke, 'requestId'>> & QueuedInvoke;
  resolve(p: Posted): void;
}

export class FakeRuntimeApi {
  readonly posts: Posted[] = [];
  nextCalls = 0;
  private server: Server | undefined;
  private readonly queue: Pending[] = [];
  private readonly waiting: ServerResponse[] = [];
  private readonly inFlight = new Map<string, Pending>();
  private initErrorWaiters: ((p: Posted) => void)[] = [];
  private nextWaiters: { count: number; resolve(): void }[] = [];

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.route(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.hostPort;
  }

  get hostPort(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  /** Queues one event; resolves with what the runtime posted for it. */
  invoke(q: QueuedInvoke): Promise<Posted> {
    return new Promise((resolve) => {
      const pending: Pending = { invoke: { ...q, requestId: q.requestId ?? randomUUID() }, resolve };
      const res = this.waiting.shift();
      if (res) this.deliver(res, pending);
      else this.queue.push(pending);
    });
  }

  initError(): Promise<Posted> {
    const existing = this.posts.find((p) => p.kind === 'init-error');
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => this.initErrorWaiters.push(resolve));
  }

  /** Resolves once the runtime has called `/next` at least `count` times (i.e. init is done for count=1). */
  waitForNext(count = 1): Promise<void> {
    if (this.nextCalls >= count) return Promise.resolve();
    return new Promise((resolve) => this.nextWaiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    for (const res of this.waiting.splice(0)) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private deliver(res: ServerResponse, p: Pending): void {
    this.inFlight.set(p.invoke.requestId, p);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': p.invoke.requestId,
      'Lambda-Runtime-Deadline-Ms': String(p.invoke.deadlineMs ?? Date.now() + 30_000),
      'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:012345678912:function:fixture',
      ...p.invoke.headers,
    };
    res.writeHead(200, headers);
    res.end(JSON.stringify(p.invoke.event));
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
      this.nextCalls++;
      for (const w of this.nextWaiters.filter((x) => this.nextCalls >= x.count)) w.resolve();
      this.nextWaiters = this.nextWaiters.filter((x) => this.nextCalls < x.count);
      const pending = this.queue.shift();
      if (pending) this.deliver(res, pending);
      else this.waiting.push(res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const trailers = req.trailers as Record<string, string | undefined>;
      const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      if (req.method === 'POST' && m) {
        const requestId = decodeURIComponent(m[1]!);
        const pending = this.inFlight.get(requestId);
        if (!pending) {
          res.writeHead(400, { 'Content-Type': 'application/json' });
          res.end('{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}');
          return;
        }
        this.inFlight.delete(requestId);
        const posted: Posted = { kind: m[2] as 'response' | 'error', requestId, headers: req.headers, trailers, body };
        this.posts.push(posted);
        res.writeHead(202, { 'Content-Type': 'application/json' });
        res.end('{"status":"OK"}');
        pending.resolve(posted);
        return;
      }
      if (req.method === 'POST' && url === '/2018-06-01/runtime/init/error') {
        const posted: Posted = { kind: 'init-error', headers: req.headers, trailers, body };
        this.posts.push(posted);
        res.writeHead(202, { 'Content-Type': 'application/json' });
        res.end('{"status":"OK"}');
        for (const w of this.initErrorWaiters.splice(0)) w(posted);
        return;
      }
      res.writeHead(404);
      res.end();
    });
  }
}
