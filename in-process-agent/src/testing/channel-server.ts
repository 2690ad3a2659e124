/**
 * Test helper: a minimal extension side of the findings channel. Listens on `<dir>/agent.sock`, answers `hello`
 * with `welcome` (optionally carrying a quarantine) and records every message.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type AnyMessage,
  encodeFrame,
  FrameDecoder,
  PROTOCOL_VERSION,
  type QuarantineInfo,
} from '../../../protocol/channel';
import type { Finding } from '../../../protocol/finding';

export interface TestChannel {
  dir: string;
  messages: Array<Record<string, unknown> & { t: string }>;
  findings(): Finding[];
  send(msg: AnyMessage): void;
  waitFor(pred: (m: Record<string, unknown> & { t: string }) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestChannel(opts: { quarantine?: QuarantineInfo } = {}): Promise<TestChannel> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-chan-'));
  fs.chmodSync(dir, 0o700);
  const messages: TestChannel['messages'] = [];
  const sockets = new Set<net.Socket>();
  const waiters: Array<() => void> = [];
  const server = net.createServer((s) => {
    sockets.add(s);
    const dec = new FrameDecoder('agent');
    s.on('data', (c) => {
      for (const ev of dec.push(c)) {
        if (ev.kind !== 'message') continue;
        messages.push(ev.msg);
        if (ev.msg.t === 'hello')
          s.write(encodeFrame({ t: 'welcome', v: PROTOCOL_VERSION, quarantine: opts.quarantine }));
        for (const w of waiters.splice(0)) w();
      }
    });
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(path.join(dir, 'agent.sock'), r));
  return {
    dir,
    messages,
    findings: () => messages.filter((m) => m.t === 'finding').map((m) => m.finding as Finding),
    send: (msg) => {
      for (const s of sockets) s.write(encodeFrame(msg));
    },
    waitFor: async (pred, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (!messages.some(pred)) {
        if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(messages.map((m) => m.t))}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50).unref();
        });
      }
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
