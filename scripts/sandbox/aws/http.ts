/** Small HTTP vocabulary shared by the stand-ins: a buffered request, a reply, and the glue to node:http. */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface BufferedRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  headers: IncomingHttpHeaders;
  /** Raw body bytes as received (possibly gzip-encoded). */
  body: Buffer;
}

export interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The body with any `Content-Encoding: gzip` removed (the SDK compresses large CloudWatch bodies). */
export function decodedBody(req: BufferedRequest): Buffer {
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
  return encoding.split(',').some((e) => e.trim() === 'gzip') ? gunzipSync(req.body) : req.body;
}

export function bodyText(req: BufferedRequest): string {
  return decodedBody(req).toString('utf8');
}

export function sendReply(res: ServerResponse, reply: HttpReply): void {
  const body = reply.body === undefined ? Buffer.alloc(0) : Buffer.from(reply.body);
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.setHeader('content-length', body.length);
  res.end(body);
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

export function header(req: BufferedRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
