/** A backend that relays a buffered request to a local upstream server (dynalite, fauxqs) and buffers its reply. */
import http from 'node:http';
import type { BufferedRequest, HttpReply } from './http';

export type Backend = (req: BufferedRequest) => Promise<HttpReply> | HttpReply;

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'proxy-connection',
]);

export class Forwarder {
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(private readonly port: number) {}

  /** Relays the request unchanged, Host header included (fauxqs builds queue URLs from it). */
  readonly send = (req: BufferedRequest): Promise<HttpReply> =>
    new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(req.headers))
        if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
      headers['content-length'] = req.body.length;
      const upstream = http.request(
        { host: '127.0.0.1', port: this.port, method: req.method, path: req.url, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const out: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (!HOP_BY_HOP.has(name) && value !== undefined)
                out[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
          });
        },
      );
      upstream.on('error', reject);
      upstream.end(req.body);
    });

  close(): void {
    this.agent.destroy();
  }
}
