/** The per-environment HTTP server on 127.0.0.1:<ephemeral port> that serves all platform APIs. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ExtensionsApiHost, handleExtensionsApi } from './extensions-api';
import { sendError } from './http-util';
import { handleRuntimeApi, type RuntimeApiHost } from './runtime-api';

export interface ApiServer {
  port: number;
  close(): Promise<void>;
}

export interface ApiHosts {
  runtime(): RuntimeApiHost;
  extensions(): ExtensionsApiHost;
}

async function route(hosts: ApiHosts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path.startsWith('/2018-06-01/')) {
    if (await handleRuntimeApi(hosts.runtime(), req, res, path.slice('/2018-06-01'.length))) return;
  } else if (await handleExtensionsApi(hosts.extensions(), req, res, path)) return;
  req.resume();
  sendError(res, 404, 'NotFound', `no route for ${req.method} ${path}`);
}

export function startApiServer(hosts: ApiHosts): Promise<ApiServer> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req, res) => {
    route(hosts, req, res).catch((err: unknown) => {
      sendError(res, 500, 'ServiceException', err instanceof Error ? err.message : String(err));
    });
  });
  // Long polls (/next, event/next) may legitimately wait for minutes.
  server.requestTimeout = 0;
  server.timeout = 0;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
