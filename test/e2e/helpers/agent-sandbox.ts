/** Helpers for the agent's end-to-end tests: the built layer as /opt, and loopback servers that record requests. */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './sandbox';

/**
 * A copy of build/layer (plays /opt). With `dependencies`, `nodejs/node_modules` links the repo's packages, like a
 * dependency layer (the AWS SDK for the benign function).
 */
export function agentLayer(opts: { dependencies?: boolean } = {}): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-agent-layer-'));
  cpSync(join(REPO, 'build', 'layer'), dir, { recursive: true });
  if (opts.dependencies) {
    mkdirSync(join(dir, 'nodejs'));
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'nodejs', 'node_modules'));
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Loopback HTTP server that records the request paths it received. */
export async function recordingServer(): Promise<{ server: Server; port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, paths };
}
