import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TelemetryEvent } from './events';
import { Subscriber } from './subscriber';

/** A local listener answering after `delayMs` with `status`. */
async function listener(
  delayMs: number,
  status = 200,
): Promise<{ server: Server; port: number; batches: TelemetryEvent[][] }> {
  const batches: TelemetryEvent[][] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      batches.push(JSON.parse(body));
      setTimeout(() => res.writeHead(status).end(), delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, batches };
}

const config = (port: number, buffering: { maxItems: number; maxBytes: number; timeoutMs: number }) => ({
  schemaVersion: '2022-12-13' as const,
  types: ['platform' as const, 'function' as const],
  buffering,
  destination: {
    protocol: 'HTTP' as const,
    uri: `http://sandbox.localdomain:${port}/`,
    host: '127.0.0.1' as const,
    port,
    path: '/',
  },
});

const fnLine = (i: number) => ({ category: 'function' as const, time: new Date().toISOString(), line: `line ${i}` });
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('Subscriber', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  test('cuts at maxItems and sends the rest after timeoutMs', async () => {
    const l = await listener(0);
    servers.push(l.server);
    const sub = new Subscriber(
      'x',
      config(l.port, { maxItems: 3, maxBytes: 1e6, timeoutMs: 50 }),
      'Text',
      () => undefined,
    );
    for (let i = 0; i < 4; i++) sub.push(fnLine(i));
    await until(() => l.batches.length >= 2);
    sub.stop();
    expect(l.batches.map((b) => b.map((e) => e.record))).toEqual([['line 0', 'line 1', 'line 2'], ['line 3']]);
  });

  test('while a batch is in flight the buffer fills up to 2 × maxItems; the excess is dropped and reported', async () => {
    const l = await listener(150);
    servers.push(l.server);
    const dropped: TelemetryEvent[] = [];
    const sub = new Subscriber('x', config(l.port, { maxItems: 2, maxBytes: 1e6, timeoutMs: 30 }), 'Text', (e) =>
      dropped.push(e),
    );
    for (let i = 0; i < 7; i++) sub.push(fnLine(i)); // 0,1 in flight; 2..5 buffered (cap 4); 6 dropped
    await until(() => dropped.length > 0);
    expect(dropped[0].record).toMatchObject({
      droppedRecords: 1,
      reason: expect.stringMatching(/slower than the logs production rate/),
    });
    await until(() => sub.report().events.length >= 7);
    sub.stop();
    const delivered = l.batches.flat().map((e) => (e.type === 'function' ? e.record : e.type));
    expect(delivered).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'platform.logsDropped']);
    expect(l.batches.every((b) => b.length <= 2)).toBe(true);
    expect(sub.report()).toMatchObject({ droppedRecords: 1 });
  });

  test('a listener slower than timeoutMs loses nothing while the buffer has room', async () => {
    const l = await listener(60);
    servers.push(l.server);
    const dropped: TelemetryEvent[] = [];
    const sub = new Subscriber('x', config(l.port, { maxItems: 100, maxBytes: 1e6, timeoutMs: 5 }), 'Text', (e) =>
      dropped.push(e),
    );
    for (let i = 0; i < 20; i++) {
      sub.push(fnLine(i));
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(() => sub.report().events.length >= 20);
    sub.stop();
    expect(dropped).toEqual([]);
    expect(l.batches.flat().map((e) => e.record)).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i}`));
  });

  test('a failing listener: the batch is dropped with the error as reason', async () => {
    const l = await listener(0, 500);
    servers.push(l.server);
    const dropped: TelemetryEvent[] = [];
    const sub = new Subscriber('x', config(l.port, { maxItems: 1, maxBytes: 1e6, timeoutMs: 1000 }), 'Text', (e) =>
      dropped.push(e),
    );
    sub.push(fnLine(0));
    await until(() => dropped.length > 0);
    sub.stop();
    expect(dropped[0].record).toMatchObject({ droppedRecords: 1, reason: 'could not send events: status 500' });
  });
});
