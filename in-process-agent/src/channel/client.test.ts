import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeFrame, FrameDecoder, PROTOCOL_VERSION } from '../../../protocol/channel';
import { startTestChannel } from '../testing/channel-server';
import { ChannelClient } from './client';

const hello = { pid: 1, node: process.version, agentVersion: 't', attach: 'wrapper' as const };
const finding = (n: number) =>
  ({
    t: 'finding',
    finding: {
      id: `f${n}`,
      time: new Date().toISOString(),
      source: 'agent',
      category: 'egress',
      kind: 'k',
      severity: 'low',
      confidence: 'low',
      title: 't',
      phase: 'init',
      blocked: false,
    },
  }) as const;

describe('ChannelClient', () => {
  it('queues until welcome, then delivers in order; hello first', async () => {
    const ch = await startTestChannel();
    const client = new ChannelClient({ socketPath: path.join(ch.dir, 'agent.sock'), hello });
    client.send({ t: 'inv_start', requestId: 'r1', ts: 1 });
    client.start();
    client.send(finding(1));
    await ch.waitFor((m) => m.t === 'finding');
    expect(ch.messages.map((m) => m.t)).toEqual(['hello', 'inv_start', 'finding']);
    expect(ch.messages[0]).toMatchObject({ t: 'hello', v: PROTOCOL_VERSION, attach: 'wrapper' });
    client.close();
    await ch.close();
  });

  it('sendSoon batches heartbeats to the end of the turn; a finding sent meanwhile goes after them, in order', async () => {
    const ch = await startTestChannel();
    const client = new ChannelClient({ socketPath: path.join(ch.dir, 'agent.sock'), hello });
    client.start();
    await ch.waitFor((m) => m.t === 'hello');
    for (let i = 0; i < 100 && !client.connected; i++) await new Promise((r) => setTimeout(r, 10));
    expect(client.connected).toBe(true);
    client.sendSoon({ t: 'inv_start', requestId: 'r1', ts: 1 });
    client.sendSoon({ t: 'inv_end', requestId: 'r1', ts: 2, outcome: 'success' });
    expect(client.queued).toBe(2); // nothing written yet in this turn
    client.sendSoon({ t: 'inv_start', requestId: 'r2', ts: 3 });
    client.send(finding(1)); // flushes the waiting heartbeats first
    expect(client.queued).toBe(0);
    client.sendSoon({ t: 'inv_end', requestId: 'r2', ts: 4, outcome: 'success' });
    await ch.waitFor((m) => m.t === 'inv_end' && m.requestId === 'r2');
    expect(ch.messages.map((m) => `${m.t}${m.requestId ?? ''}`)).toEqual([
      'hello',
      'inv_startr1',
      'inv_endr1',
      'inv_startr2',
      'finding',
      'inv_endr2',
    ]);
    client.close();
    await ch.close();
  });

  it('sendSoon while disconnected queues with the same bound, and close() counts what was waiting', () => {
    const client = new ChannelClient({ socketPath: '/nonexistent/dir/agent.sock', hello, maxQueue: 2 });
    for (let i = 0; i < 5; i++) client.sendSoon({ t: 'inv_start', requestId: `r${i}`, ts: i });
    expect(client.queued).toBe(2);
    expect(client.dropped).toBe(3);
    client.close();
    expect(client.dropped).toBe(5);
  });

  it('bounds the queue while disconnected and counts drops', () => {
    const client = new ChannelClient({ socketPath: '/nonexistent/dir/agent.sock', hello, maxQueue: 3 });
    for (let i = 0; i < 10; i++) client.send(finding(i));
    expect(client.queued).toBe(3);
    expect(client.dropped).toBe(7);
    client.close();
  });

  it('reconnects with backoff when the extension starts late, and never keeps the process alive', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-late-'));
    const sock = path.join(dir, 'agent.sock');
    const client = new ChannelClient({ socketPath: sock, hello });
    client.start();
    client.send(finding(1));
    await new Promise((r) => setTimeout(r, 120));
    const got: string[] = [];
    const server = net.createServer((s) => {
      const dec = new FrameDecoder('agent');
      s.on('data', (c) => {
        for (const ev of dec.push(c)) {
          if (ev.kind !== 'message') continue;
          got.push(ev.msg.t);
          if (ev.msg.t === 'hello') s.write(encodeFrame({ t: 'welcome', v: PROTOCOL_VERSION }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(sock, r));
    for (let i = 0; i < 100 && !got.includes('finding'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(['hello', 'finding']);
    client.close();
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies quarantine from welcome, quarantine and release messages', async () => {
    const q = { incidentId: 'inc-1', reason: 'r', time: 't' };
    const ch = await startTestChannel({ quarantine: q });
    const states: unknown[] = [];
    const client = new ChannelClient({
      socketPath: path.join(ch.dir, 'agent.sock'),
      hello,
      onQuarantine: (x) => states.push(x),
    });
    client.start();
    for (let i = 0; i < 100 && states.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    ch.send({ t: 'release' });
    ch.send({ t: 'quarantine', quarantine: { incidentId: 'inc-2', reason: 'r2', time: 't2' } });
    for (let i = 0; i < 100 && states.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(states).toEqual([q, undefined, { incidentId: 'inc-2', reason: 'r2', time: 't2' }]);
    client.close();
    await ch.close();
  });

  it('stops after `refused` (another client owns the channel)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-ref-'));
    const sock = path.join(dir, 'agent.sock');
    let connections = 0;
    const open = new Set<net.Socket>();
    const server = net.createServer((s) => {
      connections++;
      open.add(s);
      s.write(encodeFrame({ t: 'refused', reason: 'second client' }));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(sock, r));
    const client = new ChannelClient({ socketPath: sock, hello });
    client.start();
    for (let i = 0; i < 100 && client.refusedReason === undefined; i++) await new Promise((r) => setTimeout(r, 20));
    client.send(finding(1));
    await new Promise((r) => setTimeout(r, 300));
    expect(client.refusedReason).toBe('second client');
    expect(connections).toBe(1);
    expect(client.dropped).toBe(1);
    client.close();
    for (const s of open) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
