/**
 * The recording, fault-injecting HTTP front every stand-in sits behind (bound to 127.0.0.1, ephemeral port). It logs
 * each request, then either applies the armed fault or hands the request to the service's backend.
 *
 * "unreachable" closes the listening socket (new connections are refused, open ones reset); with a count it instead
 * resets the next N requests, since refused connections cannot be counted. Clearing it listens again on the same port.
 * "hang" keeps the request open until stop().
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { type CallLog, NO_RESPONSE } from './call-log';
import { FaultSwitch } from './faults';
import type { Backend } from './forward';
import { type BufferedRequest, type HttpReply, readBody, sendReply } from './http';
import type { DescribedRequest, ServiceProtocol } from './protocols';
import type { Fault } from './types';

export interface FrontOptions {
  protocol: ServiceProtocol;
  backend: Backend;
  log: CallLog;
}

export class Front {
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly faults = new FaultSwitch();
  /** Pending latency delays, released (without answering) by stop(). */
  private readonly sleepers = new Set<() => void>();
  private port = 0;
  private stopped = false;

  private constructor(private readonly options: FrontOptions) {
    this.server = http.createServer((req, res) => void this.onRequest(req, res));
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('error', (err) =>
      process.stderr.write(`sandbox/aws ${options.protocol.service} front: ${err.message}\n`),
    );
  }

  static async start(options: FrontOptions): Promise<Front> {
    const front = new Front(options);
    await new Promise<void>((resolve, reject) => {
      front.server.once('error', reject);
      front.server.listen(0, '127.0.0.1', () => {
        front.server.off('error', reject);
        resolve();
      });
    });
    front.port = (front.server.address() as { port: number }).port;
    return front;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  setFault(fault: Fault, count?: number): void {
    this.faults.set(fault, count);
    if (fault.kind === 'unreachable' && count === undefined) this.refuseConnections();
    else this.acceptConnections();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const release of this.sleepers) release();
    this.sleepers.clear();
    const closed = this.server.listening
      ? new Promise<void>((resolve) => this.server.close(() => resolve()))
      : Promise.resolve();
    for (const socket of this.sockets) socket.destroy(); // releases hung requests and idle keep-alive sockets
    await closed;
  }

  private refuseConnections(): void {
    if (this.server.listening) this.server.close();
    for (const socket of this.sockets) socket.destroy();
  }

  private acceptConnections(): void {
    // listen() on an IP address binds synchronously, so the port accepts again as soon as this returns.
    if (!this.server.listening && !this.stopped) this.server.listen(this.port, '127.0.0.1');
  }

  private describe(req: BufferedRequest): DescribedRequest {
    try {
      return this.options.protocol.describe(req);
    } catch {
      return { service: this.options.protocol.service, operation: 'Unknown', request: { undecodableBody: true } };
    }
  }

  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.sleepers.delete(release);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.sleepers.delete(release);
        resolve(true);
      }, ms);
      this.sleepers.add(release);
    });
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const fault = this.faults.take();
    if (fault.kind === 'unreachable') {
      req.socket.destroy();
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      req.socket.destroy();
      return;
    }
    const buffered: BufferedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
    const described = this.describe(buffered);
    const finish = this.options.log.begin(described.service, described.operation, described.request);
    if (fault.kind === 'hang') return; // never answered; stop() destroys the socket
    if (fault.kind === 'latency' && !(await this.sleep(fault.ms))) return;
    let reply: HttpReply;
    if (fault.kind === 'throttle' || fault.kind === 'error5xx') {
      reply = this.options.protocol.faultReply(fault.kind, described.operation);
    } else {
      try {
        reply = await this.options.backend(buffered);
      } catch (err) {
        process.stderr.write(
          `sandbox/aws ${described.service} ${described.operation}: backend failed: ${(err as Error).message}\n`,
        );
        reply = this.options.protocol.faultReply('error5xx', described.operation);
      }
    }
    if (this.stopped || res.destroyed) {
      finish(NO_RESPONSE);
      return;
    }
    sendReply(res, reply);
    finish(reply.status);
  }
}
