import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  type AnyMessage,
  encodeFrame,
  FrameDecoder,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
} from '../../../protocol/channel';
import type { Finding } from '../../../protocol/finding';
import { createLogger } from '../log/logger';
import { RateLimitedLog } from '../log/rate-limited-log';
import { Counters } from '../util/counters';
import { ChannelServer } from './channel-server';

const log = createLogger('silent');
const hello = (v = PROTOCOL_VERSION): AnyMessage => ({
  t: 'hello',
  v,
  pid: 1,
  node: 'v20',
  agentVersion: 't',
  attach: 'preload',
});
const finding = (over: Partial<Finding> = {}): Finding => ({
  id: 'f1',
  time: new Date().toISOString(),
  source: 'agent',
  category: 'command_injection',
  kind: 'shell_metachar',
  severity: 'high',
  confidence: 'high',
  title: 'test',
  phase: 'invoke',
  requestId: 'req-1',
  blocked: false,
  ...over,
});

/** A test client standing in for the agent: connects, collects what the extension sends, reports close. */
class Client {
  readonly socket: net.Socket;
  readonly received: Record<string, unknown>[] = [];
  readonly closed: Promise<void>;
  private readonly dec = new FrameDecoder('extension');
  constructor(p: string) {
    this.socket = net.connect(p);
    this.socket.on('data', (c) => {
      for (const e of this.dec.push(c)) if (e.kind === 'message') this.received.push(e.msg);
    });
    this.socket.on('error', () => {});
    this.closed = new Promise((r) => this.socket.on('close', () => r()));
  }
  send(m: AnyMessage): void {
    this.socket.write(encodeFrame(m));
  }
  async waitFor(t: string, ms = 2000): Promise<Record<string, unknown>> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const m = this.received.find((x) => x.t === t);
      if (m) return m;
      await sleep(5);
    }
    throw new Error(`no ${t} within ${ms} ms (got ${JSON.stringify(this.received)})`);
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('findings channel server', () => {
  let dir: string;
  let server: ChannelServer;
  let counters: Counters;
  let got: { findings: Finding[]; tamper: Finding[]; beats: string[] };
  const clients: Client[] = [];
  const connect = () => {
    const c = new Client(path.join(dir, 'ch', 'agent.sock'));
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sentinel-ch-'));
    counters = new Counters();
    got = { findings: [], tamper: [], beats: [] };
    server = await ChannelServer.start({
      socketPath: path.join(dir, 'ch', 'agent.sock'),
      counters,
      warn: new RateLimitedLog(log),
      log,
      helloTimeoutMs: 150,
      findingsPerSecond: 50,
      handlers: {
        onFinding: (f) => got.findings.push(f),
        onTamper: (f) => got.tamper.push(f),
        onHeartbeat: (k, id) => got.beats.push(`${k}:${id}`),
      },
    });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a private directory and socket, welcomes the agent and passes on heartbeats and findings', async () => {
    expect(statSync(path.join(dir, 'ch')).mode & 0o777).toBe(0o700);
    const a = connect();
    a.send(hello());
    expect(await a.waitFor('welcome')).toEqual({ t: 'welcome', v: PROTOCOL_VERSION });
    a.send({ t: 'inv_start', requestId: 'req-1', ts: 1 });
    a.send({ t: 'finding', finding: finding({ source: 'extension' }) });
    a.send({ t: 'inv_end', requestId: 'req-1', ts: 2, outcome: 'success' });
    await until(() => got.beats.length === 2);
    expect(got.beats).toEqual(['start:req-1', 'end:req-1']);
    expect(got.findings).toHaveLength(1);
    expect(got.findings[0]).toMatchObject({ requestId: 'req-1', source: 'agent' });
    expect(server.connected).toBe(true);
    expect(server.send({ t: 'quarantine', quarantine: { incidentId: 'i', reason: 'r', time: 't' } })).toBe(true);
    expect(await a.waitFor('quarantine')).toMatchObject({ quarantine: { incidentId: 'i' } });
  });

  it('refuses a second client and reports it as a critical integrity finding, keeping the first', async () => {
    const a = connect();
    a.send(hello());
    await a.waitFor('welcome');
    const b = connect();
    expect(await b.waitFor('refused')).toMatchObject({ t: 'refused' });
    await b.closed;
    expect(got.tamper).toEqual([
      expect.objectContaining({
        category: 'integrity',
        kind: 'second_client',
        severity: 'critical',
        source: 'extension',
      }),
    ]);
    a.send({ t: 'inv_start', requestId: 'still-here', ts: 1 });
    await until(() => got.beats.includes('start:still-here'));
  });

  it('refuses another protocol version, drops a silent peer and garbage before hello, then accepts the agent', async () => {
    const old = connect();
    old.send(hello(99));
    expect((await old.waitFor('refused')).reason).toMatch(/version/);
    await old.closed;
    const silent = connect();
    await silent.closed; // dropped after the hello timeout
    const garbage = connect();
    garbage.socket.write(Buffer.from([0, 0, 0, 3, 0x7b, 0x7b, 0x7b]));
    await garbage.closed;
    const big = connect();
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_FRAME_BYTES + 1);
    big.socket.write(head);
    await big.closed;
    expect(counters.snapshot()).toMatchObject({
      channel_bad_version: 1,
      channel_hello_timeout: 1,
      channel_frame_bad_json: 1,
      channel_frame_oversize: 1,
    });
    const a = connect();
    a.send(hello());
    await a.waitFor('welcome');
    expect(got.tamper).toEqual([]);
  });

  it('sheds a flood of findings with a counter and keeps serving', async () => {
    const a = connect();
    a.send(hello());
    await a.waitFor('welcome');
    const frame = encodeFrame({ t: 'finding', finding: finding() });
    a.socket.write(Buffer.concat(Array.from({ length: 2000 }, () => frame)));
    a.send({ t: 'inv_start', requestId: 'after-flood', ts: 1 });
    await until(() => got.beats.includes('start:after-flood'));
    expect(got.findings.length).toBeGreaterThan(0);
    expect(got.findings.length).toBeLessThanOrEqual(250);
    expect(counters.get('channel_findings_shed')).toBe(2000 - got.findings.length);
  });

  it('survives random bytes and random frames from the owner (fuzz), then still answers', async () => {
    const a = connect();
    a.send(hello());
    await a.waitFor('welcome');
    const raw = (s: string) => {
      const b = Buffer.from(s);
      const h = Buffer.alloc(4);
      h.writeUInt32BE(b.length);
      return Buffer.concat([h, b]);
    };
    const frames = fc.sample(
      fc.oneof(
        fc.json().map(raw),
        fc
          .record({
            t: fc.constantFrom('finding', 'inv_start', 'inv_end', 'stats', 'record', 'hello', 'welcome', 'zzz'),
            finding: fc.anything(),
            requestId: fc.anything(),
            kind: fc.anything(),
            data: fc.anything(),
          })
          .map((o) => raw(JSON.stringify(o))),
      ),
      300,
    );
    for (const f of frames) a.socket.write(f);
    a.send({ t: 'inv_start', requestId: 'after-fuzz', ts: 1 });
    await until(() => got.beats.includes('start:after-fuzz'));
    // A separate connection sends pure random bytes: it is dropped (garbage before hello) or refused.
    const r = connect();
    r.socket.write(Buffer.from(fc.sample(fc.uint8Array({ minLength: 1, maxLength: 5000 }), 1)[0]));
    await r.closed;
    a.send({ t: 'inv_start', requestId: 'after-random', ts: 1 });
    await until(() => got.beats.includes('start:after-random'));
  });

  it('replaces a stale socket file left by an earlier environment', async () => {
    await server.close();
    const p = path.join(dir, 'ch', 'agent.sock');
    writeFileSync(p, ''); // what a crashed environment leaves behind: a path nobody listens on
    server = await ChannelServer.start({
      socketPath: p,
      counters,
      warn: new RateLimitedLog(log),
      log,
      handlers: { onFinding() {}, onTamper() {}, onHeartbeat() {} },
    });
    const a = connect();
    a.send(hello());
    await a.waitFor('welcome');
  });
});
