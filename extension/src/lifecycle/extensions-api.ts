/**
 * Client for the Lambda Extensions API (2020-01-01) and the Telemetry API subscription (2022-07-01 path,
 * schema 2022-12-13). Plain node:http on one keep-alive agent: no extra dependency on the cold-start path.
 */
import * as http from 'node:http';

export type ExtensionEvent =
  | { eventType: 'INVOKE'; deadlineMs: number; requestId: string; invokedFunctionArn?: string }
  | { eventType: 'SHUTDOWN'; deadlineMs: number; shutdownReason?: string };

export interface RegisterResult {
  functionName?: string;
  functionVersion?: string;
  handler?: string;
  accountId?: string;
}

export class ExtensionsApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const MAX_REPLY_BYTES = 1024 * 1024;

export class ExtensionsApiClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly host: string;
  private readonly port: number;
  identifier?: string;

  constructor(runtimeApi: string) {
    const i = runtimeApi.lastIndexOf(':');
    this.host = i > 0 ? runtimeApi.slice(0, i) : runtimeApi;
    this.port = i > 0 ? Number(runtimeApi.slice(i + 1)) : 80;
  }

  async register(name: string, events: ('INVOKE' | 'SHUTDOWN')[]): Promise<RegisterResult> {
    const r = await this.call(
      'POST',
      '/2020-01-01/extension/register',
      { events },
      {
        'Lambda-Extension-Name': name,
        'Lambda-Extension-Accept-Feature': 'accountId',
      },
    );
    if (r.status !== 200)
      throw new ExtensionsApiError(`register failed: ${r.status} ${r.body.slice(0, 200)}`, r.status);
    const id = r.headers['lambda-extension-identifier'];
    if (typeof id !== 'string' || id.length === 0)
      throw new ExtensionsApiError('register: no Lambda-Extension-Identifier');
    this.identifier = id;
    return parseObject(r.body) as RegisterResult;
  }

  /** Subscribes to platform + function telemetry. Never `extension`: our own log lines must not come back to us. */
  async subscribeTelemetry(uri: string): Promise<{ ok: boolean; status: number; body: string }> {
    const r = await this.call('PUT', '/2022-07-01/telemetry', {
      schemaVersion: '2022-12-13',
      types: ['platform', 'function'],
      // Smallest timeout: runtimeDone should reach us while we still hold event/next for that invocation.
      buffering: { maxItems: 1000, maxBytes: 262144, timeoutMs: 25 },
      destination: { protocol: 'HTTP', URI: uri },
    });
    return { ok: r.status === 200, status: r.status, body: r.body.slice(0, 200) };
  }

  /** Long-poll for the next event. No client timeout (the platform holds it until there is an event). */
  async next(): Promise<ExtensionEvent> {
    const r = await this.call('GET', '/2020-01-01/extension/event/next');
    if (r.status !== 200)
      throw new ExtensionsApiError(`event/next failed: ${r.status} ${r.body.slice(0, 200)}`, r.status);
    const ev = parseObject(r.body);
    if (ev.eventType === 'INVOKE' && typeof ev.requestId === 'string') return ev as ExtensionEvent;
    if (ev.eventType === 'SHUTDOWN') return ev as ExtensionEvent;
    throw new ExtensionsApiError(`event/next: unexpected event ${String(ev.eventType).slice(0, 40)}`);
  }

  /** Reports a failed init (the platform fails the init and resets the environment). */
  async initError(errorType: string, message: string): Promise<void> {
    await this.call(
      'POST',
      '/2020-01-01/extension/init/error',
      { errorMessage: message, errorType },
      { 'Lambda-Extension-Function-Error-Type': errorType },
    );
  }

  /** Reports an error before exiting (the platform resets the environment). */
  async exitError(errorType: string, message: string): Promise<void> {
    await this.call(
      'POST',
      '/2020-01-01/extension/exit/error',
      { errorMessage: message, errorType },
      { 'Lambda-Extension-Function-Error-Type': errorType },
    );
  }

  close(): void {
    this.agent.destroy();
  }

  private call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const h: Record<string, string | number> = { ...headers };
      if (this.identifier) h['Lambda-Extension-Identifier'] = this.identifier;
      if (payload) {
        h['Content-Type'] = 'application/json';
        h['Content-Length'] = payload.length;
      }
      const req = http.request(
        { host: this.host, port: this.port, method, path, headers: h, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= MAX_REPLY_BYTES) chunks.push(c);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function parseObject(body: string): Record<string, unknown> {
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
