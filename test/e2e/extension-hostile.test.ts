/**
 * The bundled extension (through its launcher) under hostile input, against a minimal Extensions API fake (the
 * flood needs control the sandbox does not give): random and oversized telemetry, garbage and floods on the
 * findings socket, many second clients. It must keep serving invocations, count what it refused, stay within a
 * memory bound and exit 0 at SHUTDOWN.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { FakeExtensionsApi } from '../../extension/src/lifecycle/testing/fake-extensions-api';
import { encodeFrame, PROTOCOL_VERSION } from '../../protocol/channel';
import { REPO } from './helpers/sandbox';

jest.setTimeout(60_000);

const ev = (type: string, record: unknown) => ({ time: new Date().toISOString(), type, record });
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function postRaw(uri: string, body: string | Buffer): Promise<number> {
  const u = new URL(uri);
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: Number(u.port), path: u.pathname, method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

describe('extension under hostile input (bundled, real processes)', () => {
  let api: FakeExtensionsApi;
  let child: ChildProcess;
  let dir: string;
  let out = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sentinel-hostile-'));
    api = await FakeExtensionsApi.start();
    child = spawn(join(REPO, 'build', 'layer', 'extensions', 'sentinel'), [], {
      env: {
        PATH: process.env.PATH,
        AWS_LAMBDA_RUNTIME_API: api.runtimeApi,
        SENTINEL_CHANNEL_DIR: join(dir, 'ch'),
        SENTINEL_RESPONSE: 'off',
        SENTINEL_EXPECT_AGENT: 'false',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    await api.waitForNext(1);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function invoke(id: string): Promise<void> {
    const n = api.nextCalls.length;
    await api.postTelemetry([
      ev('platform.start', { requestId: id }),
      ev('platform.runtimeDone', { requestId: id, status: 'success' }),
    ]);
    api.invoke(id);
    await api.waitForNext(n + 1, 5_000);
    await api.postTelemetry([
      ev('platform.report', {
        requestId: id,
        status: 'success',
        metrics: { durationMs: 1, billedDurationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: 1 },
      }),
    ]);
  }

  test('keeps serving, counts refusals, bounded memory, exits 0', async () => {
    for (let i = 0; i < 10; i++) await invoke(`warm-${i}`);
    const before = rssMb(child.pid as number);
    const uri = api.subscription?.destination.URI as string;

    // Telemetry: random JSON, plausible batches with made-up ids and long lines, oversized bodies.
    const event = fc.record({
      type: fc.constantFrom(
        'platform.start',
        'platform.runtimeDone',
        'platform.report',
        'function',
        'platform.logsDropped',
        'nope',
      ),
      record: fc.oneof(
        fc.record({ requestId: fc.uuid(), status: fc.constantFrom('success', 'error', '??') }),
        fc.string({ minLength: 500, maxLength: 4000 }),
        fc.anything(),
      ),
    });
    for (const b of fc.sample(
      fc.oneof(
        fc.json(),
        fc.array(event, { maxLength: 400 }).map((a) => JSON.stringify(a)),
      ),
      120,
    ))
      await postRaw(uri, b);
    expect(await postRaw(uri, Buffer.alloc(3 * 1024 * 1024, 0x5b))).toBe(413);

    // Socket: an owner that floods findings and garbage frames, silent peers and second clients.
    const sock = join(dir, 'ch', 'agent.sock');
    const owner = net.connect(sock);
    owner.on('error', () => {});
    owner.write(
      encodeFrame({ t: 'hello', v: PROTOCOL_VERSION, pid: 1, node: 'x', agentVersion: 'hostile', attach: 'preload' }),
    );
    const finding = encodeFrame({
      t: 'finding',
      finding: {
        id: 'x',
        time: new Date().toISOString(),
        source: 'agent',
        category: 'egress',
        kind: 'k',
        severity: 'low',
        confidence: 'low',
        title: 't',
        phase: 'invoke',
        blocked: false,
      },
    });
    owner.write(Buffer.concat(Array.from({ length: 5000 }, () => finding)));
    for (const s of fc.sample(fc.json(), 200)) owner.write(encodeFrame({ t: 'record', kind: 'x', data: { s } }));
    const raw = Buffer.from('{"t":"zzz"}');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(raw.length);
    for (let i = 0; i < 100; i++) owner.write(Buffer.concat([head, raw]));
    const others: net.Socket[] = [];
    for (let i = 0; i < 30; i++) {
      const s = net.connect(sock);
      s.on('error', () => {});
      s.write(Buffer.from(fc.sample(fc.uint8Array({ minLength: 1, maxLength: 2000 }), 1)[0]));
      others.push(s);
    }
    await sleep(500);

    for (let i = 0; i < 10; i++) await invoke(`after-${i}`);
    const after = rssMb(child.pid as number);
    // Structural bounds are asserted in the unit tests; here: no runaway growth in the real process.
    expect(after - before).toBeLessThan(60);

    api.shutdown(2000);
    const code = await new Promise((r) => child.once('exit', r));
    for (const s of [owner, ...others]) s.destroy();
    expect(code).toBe(0);
    const recs = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const stopped = recs.find((r) => r.evt === 'lifecycle' && r.state === 'stopped') as {
      counters: Record<string, number>;
      invocations: number;
    };
    expect(stopped.invocations).toBe(20);
    expect(stopped.counters.telemetry_oversize).toBe(1);
    // Each extra client is refused with a frame, or closed by the connection limit when they arrive all at once.
    expect(
      (stopped.counters.channel_refused_clients ?? 0) + (stopped.counters.channel_connections_over_limit ?? 0),
    ).toBe(30);
    expect(stopped.counters.channel_findings_shed).toBeGreaterThan(0);
    expect(stopped.counters.channel_frame_unknown_type).toBe(100);
    const summaries = recs
      .filter((r) => r.evt === 'invocation')
      .map((r) => (r.invocation as { requestId: string }).requestId);
    for (let i = 0; i < 10; i++) expect(summaries).toContain(`after-${i}`);
    // Refusal log lines are rate-limited: far fewer warnings than refused inputs.
    expect(recs.filter((r) => r.level === 'warn' && r.evt !== 'finding').length).toBeLessThan(60);
  });
});
