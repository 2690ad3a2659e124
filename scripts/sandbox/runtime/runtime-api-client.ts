/**
 * Runtime API (2018-06-01) client over node:http with one keep-alive socket. (The managed runtime uses a
 * libcurl addon for /next, /response and /error; the wire traffic is the same.) Idle keep-alive sockets are
 * unref'd by the agent, so they never hold the event loop open — RIC 3.x's `beforeExit` logic relies on that.
 */
import { Agent, type ClientRequest, type IncomingHttpHeaders, request, validateHeaderValue } from 'node:http';
import { connect, type Socket } from 'node:net';
import { PlatformError, type RapidErrorBody } from './errors';

const API_PREFIX = '/2018-06-01/runtime';
export const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
export const XRAY_ERROR_CAUSE_HEADER = 'Lambda-Runtime-Function-XRay-Error-Cause';

export interface NextInvocation {
  body: string;
  headers: IncomingHttpHeaders;
}

export function parseHostPort(hostPort: string): { hostname: string; port: number } {
  const parts = hostPort.split(':');
  const port = Number(parts[1]);
  if (parts.length !== 2 || !parts[0] || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PlatformError(`Invalid hostnamePort: ${hostPort}`);
  }
  return { hostname: parts[0], port };
}

/** Header values that Node would reject (control characters, > U+00FF) are left out rather than crash a post. */
function safeHeaders(headers: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    try {
      validateHeaderValue(name, value);
      out[name] = value;
    } catch {
      // dropped: optional metadata only
    }
  }
  return out;
}

export class RuntimeApiClient {
  readonly hostname: string;
  readonly port: number;
  readonly agent: Agent;

  constructor(hostPort: string) {
    ({ hostname: this.hostname, port: this.port } = parseHostPort(hostPort));
    this.agent = new Agent({ keepAlive: true, maxSockets: 1 });
  }

  /**
   * Opens the connection before it is needed. RIC 4.x's native client puts its first `/next` on the wire in the
   * same tick that finishes init; with a connected socket ours does too, so an unhandled rejection left by user
   * code at load time ends the process after init completed (as with aws-lambda-ric), not during it.
   */
  preconnect(): Promise<void> {
    let spare: Socket | undefined = connect(this.port, this.hostname);
    const createConnection = this.agent.createConnection.bind(this.agent);
    this.agent.createConnection = ((...args: Parameters<Agent['createConnection']>) => {
      const ready = spare;
      spare = undefined;
      return ready && !ready.destroyed ? ready : createConnection(...args);
    }) as Agent['createConnection'];
    // Settles either way: a failed connection is reported by the first real request.
    return new Promise((resolve) => {
      spare!.once('connect', () => resolve());
      spare!.once('error', () => resolve());
    });
  }

  /** Blocks until the platform hands out the next event. */
  next(): Promise<NextInvocation> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          hostname: this.hostname,
          port: this.port,
          path: `${API_PREFIX}/invocation/next`,
          method: 'GET',
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 300) {
              reject(new PlatformError(`/invocation/next returned ${res.statusCode}`));
              return;
            }
            resolve({ body: Buffer.concat(chunks).toString('utf8'), headers: res.headers });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  postResponse(requestId: string, body: string): Promise<void> {
    return this.post(`${API_PREFIX}/invocation/${encodeURIComponent(requestId)}/response`, body, {});
  }

  postError(requestId: string, error: RapidErrorBody, xrayCause?: string): Promise<void> {
    return this.post(`${API_PREFIX}/invocation/${encodeURIComponent(requestId)}/error`, JSON.stringify(error), {
      [ERROR_TYPE_HEADER]: error.errorType,
      [XRAY_ERROR_CAUSE_HEADER]: xrayCause,
    });
  }

  postInitError(error: RapidErrorBody): Promise<void> {
    return this.post(`${API_PREFIX}/init/error`, JSON.stringify(error), { [ERROR_TYPE_HEADER]: error.errorType });
  }

  /** A chunked streaming `/response` request; the caller writes the body and ends it. */
  openResponseStream(requestId: string, contentType: string): { request: ClientRequest; done: Promise<number> } {
    let req!: ClientRequest;
    const done = new Promise<number>((resolve, reject) => {
      req = request(
        {
          hostname: this.hostname,
          port: this.port,
          path: `${API_PREFIX}/invocation/${encodeURIComponent(requestId)}/response`,
          method: 'POST',
          agent: this.agent,
          headers: {
            'Lambda-Runtime-Function-Response-Mode': 'streaming',
            Trailer: [ERROR_TYPE_HEADER, 'Lambda-Runtime-Function-Error-Body'],
            'Content-Type': contentType,
            'Transfer-Encoding': 'chunked',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
    });
    return { request: req, done };
  }

  private post(path: string, body: string, headers: Record<string, string | undefined>): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          hostname: this.hostname,
          port: this.port,
          path,
          method: 'POST',
          agent: this.agent,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            ...safeHeaders(headers),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 400) reject(new PlatformError(`POST ${path} returned HTTP ${status}`));
            else resolve();
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body, 'utf8');
    });
  }
}
