/**
 * The Telemetry API destination: an HTTP listener on the address `sandbox.localdomain` resolves to (127.0.0.1 when
 * it does not resolve). It accepts POSTed JSON arrays, answers at once and hands the batch to the aggregator.
 * It never logs per event (the extension's own log lines are not subscribed, but a quiet listener is cheaper).
 *
 * Memory bound: at most MAX_CONNECTIONS concurrent requests, each body capped at MAX_BODY_BYTES (the platform
 * sends up to 2 × maxBytes + metadata; we subscribe with maxBytes 256 KiB).
 */
import { lookup } from 'node:dns/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RateLimitedLog } from '../log/rate-limited-log';
import type { Counters } from '../util/counters';

export const TELEMETRY_HOST = 'sandbox.localdomain';
export const TELEMETRY_PATH = '/telemetry';
export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_CONNECTIONS = 8;
/** Name resolution must not hold up the cold start. */
const LOOKUP_TIMEOUT_MS = 200;

export async function resolveListenAddress(host = TELEMETRY_HOST): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const r = await Promise.race([
      lookup(host, { family: 4 }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('lookup timeout')), LOOKUP_TIMEOUT_MS);
      }),
    ]);
    return r.address;
  } catch {
    return '127.0.0.1';
  } finally {
    clearTimeout(timer);
  }
}

export interface TelemetryListener {
  /** URI for the subscription (always names sandbox.localdomain, as the platform requires). */
  uri: string;
  address: string;
  port: number;
  close(): Promise<void>;
}

export async function startTelemetryListener(opts: {
  onBatch: (batch: unknown) => void;
  counters: Counters;
  warn: RateLimitedLog;
  address?: string;
  port?: number;
}): Promise<TelemetryListener> {
  const { counters, warn } = opts;
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      counters.inc('telemetry_http_bad_method');
      res.writeHead(405).end();
      req.resume();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject413();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      if (tooLarge) return;
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        chunks.length = 0;
        reject413();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) return;
      // Answer first: the platform's delivery must not wait on our processing.
      res.writeHead(200, { 'content-type': 'application/json' }).end('"OK"');
      let batch: unknown;
      try {
        batch = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        counters.inc('telemetry_bad_json');
        warn.warn('telemetry_bad_json', { bytes: size }, 'telemetry batch is not valid JSON; dropped');
        return;
      }
      try {
        opts.onBatch(batch);
      } catch (e) {
        counters.inc('telemetry_internal_error');
        warn.warn('telemetry_internal_error', { err: (e as Error).message }, 'internal error while reading telemetry');
      }
    });
    req.on('error', () => counters.inc('telemetry_http_error'));

    function reject413(): void {
      counters.inc('telemetry_oversize');
      warn.warn('telemetry_oversize', { limit: MAX_BODY_BYTES }, 'telemetry batch over the size limit; dropped');
      res.writeHead(413, { connection: 'close' }).end();
      req.resume();
    }
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.on('clientError', (_e, socket) => {
    counters.inc('telemetry_http_client_error');
    socket.destroy();
  });
  const address = opts.address ?? (await resolveListenAddress());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    uri: `http://${TELEMETRY_HOST}:${port}${TELEMETRY_PATH}`,
    address,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
