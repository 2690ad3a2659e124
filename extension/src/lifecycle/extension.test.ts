/**
 * The extension's lifecycle in-process against a fake Extensions API (real HTTP, real Unix socket, real telemetry
 * listener). The sandbox e2e tests (test/e2e/extension-*.test.ts) cover the bundled launcher with the emulator.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { type AnyMessage, encodeFrame, PROTOCOL_VERSION } from '../../../protocol/channel';
import { createLoggingResponder, type PipelineContext } from '../pipeline';
import { runExtension } from './extension';
import { FakeExtensionsApi } from './testing/fake-extensions-api';

type Line = Record<string, unknown> & { evt?: string };
const ev = (type: string, record: unknown) => ({ time: new Date().toISOString(), type, record });

async function until<T>(f: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('extension lifecycle (fake Extensions API)', () => {
  let api: FakeExtensionsApi;
  let dir: string;
  let lines: Line[];
  let exitCodes: number[];
  let ctxSeen: PipelineContext | undefined;

  beforeEach(async () => {
    api = await FakeExtensionsApi.start();
    dir = mkdtempSync(path.join(os.tmpdir(), 'sentinel-lc-'));
    lines = [];
    exitCodes = [];
    ctxSeen = undefined;
  });
  afterEach(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(env: Record<string, string> = {}) {
    const dest = new Writable({
      write(chunk, _e, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        cb();
      },
    });
    return runExtension({
      env: {
        AWS_LAMBDA_RUNTIME_API: api.runtimeApi,
        SENTINEL_CHANNEL_DIR: path.join(dir, 'ch'),
        AWS_LAMBDA_FUNCTION_NAME: 'fake-fn',
        ...env,
      },
      argv: ['--name=sentinel'],
      layerRoot: path.join(dir, 'layer'),
      makeResponder: (ctx) => {
        ctxSeen = ctx;
        return createLoggingResponder(ctx);
      },
      logDest: dest,
      exit: (c) => exitCodes.push(c),
    });
  }
  const socketPath = () => path.join(dir, 'ch', 'agent.sock');

  it('creates the socket before registering, subscribes before the first next, waits for runtimeDone, drains at shutdown', async () => {
    let socketAtRegister = false;
    api.once('register', () => {
      socketAtRegister = existsSync(socketPath());
    });
    const done = start({ SENTINEL_RUNTIMEDONE_WAIT_MS: '3000' });
    await api.waitForNext(1);
    expect(socketAtRegister).toBe(true);
    expect(api.registered).toMatchObject({
      name: 'sentinel',
      events: ['INVOKE', 'SHUTDOWN'],
      acceptFeature: 'accountId',
    });
    expect(api.subscription).toMatchObject({ schemaVersion: '2022-12-13', types: ['platform', 'function'] });
    expect(api.subscription?.destination.URI).toMatch(/^http:\/\/sandbox\.localdomain:\d+\/telemetry$/);
    expect(ctxSeen?.accountId).toBe('123456789012');

    api.invoke('r1');
    await api.postTelemetry([ev('platform.start', { requestId: 'r1' }), ev('function', `t\tr1\tINFO\thello`)]);
    await new Promise((r) => setTimeout(r, 150));
    expect(api.nextCalls.length).toBe(1); // still holding event/next: no runtimeDone yet
    await api.postTelemetry([
      ev('platform.runtimeDone', { requestId: 'r1', status: 'success', metrics: { durationMs: 5 } }),
    ]);
    await api.waitForNext(2);

    // The report arrives after our event/next (as on Lambda), the summary follows it.
    await api.postTelemetry([
      ev('platform.report', {
        requestId: 'r1',
        status: 'success',
        metrics: { durationMs: 5.5, billedDurationMs: 6, memorySizeMB: 128, maxMemoryUsedMB: 60 },
      }),
    ]);
    const inv = await until(() => lines.find((l) => l.evt === 'invocation'));
    expect(inv.invocation).toMatchObject({
      requestId: 'r1',
      status: 'success',
      billedDurationMs: 6,
      maxMemoryUsedMB: 60,
      logTail: ['t\tr1\tINFO\thello'],
    });

    // r2: its report only comes during SHUTDOWN; the drain still sees it.
    api.invoke('r2');
    await api.postTelemetry([
      ev('platform.start', { requestId: 'r2' }),
      ev('platform.runtimeDone', { requestId: 'r2', status: 'error', errorType: 'Runtime.Unknown' }),
    ]);
    await api.waitForNext(3);
    api.shutdown(2000);
    await new Promise((r) => setTimeout(r, 30));
    await api.postTelemetry([
      ev('platform.report', {
        requestId: 'r2',
        status: 'error',
        errorType: 'Runtime.Unknown',
        metrics: { durationMs: 9, billedDurationMs: 9, memorySizeMB: 128, maxMemoryUsedMB: 61 },
      }),
    ]);
    expect(await done).toBe(0);
    expect(
      lines.filter((l) => l.evt === 'invocation').map((l) => (l.invocation as { requestId: string }).requestId),
    ).toEqual(['r1', 'r2']);
    const stopped = lines.find((l) => l.evt === 'lifecycle' && l.state === 'stopped');
    expect(stopped).toMatchObject({ invocations: 2 });
    expect(api.protocolViolations).toBe(0);
    expect(existsSync(socketPath())).toBe(false);
  });

  it('attributes agent findings to their request, refuses a second client and reports an invocation without heartbeat', async () => {
    const done = start({ SENTINEL_EXPECT_AGENT: 'true', SENTINEL_RUNTIMEDONE_WAIT_MS: '2000' });
    await api.waitForNext(1);
    const agent = net.connect(socketPath());
    const send = (m: AnyMessage) => agent.write(encodeFrame(m));
    send({ t: 'hello', v: PROTOCOL_VERSION, pid: 1, node: process.version, agentVersion: 'test', attach: 'preload' });
    await until(() => lines.find((l) => l.evt === 'channel' && l.state === 'connected'));

    api.invoke('req-A');
    send({ t: 'inv_start', requestId: 'req-A', ts: Date.now() });
    send({
      t: 'finding',
      finding: {
        id: 'f-1',
        time: new Date().toISOString(),
        source: 'agent',
        category: 'command_injection',
        kind: 'shell_metachar',
        severity: 'high',
        confidence: 'high',
        title: 'cmd injection',
        phase: 'invoke',
        requestId: 'req-A',
        blocked: false,
      },
    });
    send({ t: 'inv_end', requestId: 'req-A', ts: Date.now(), outcome: 'success' });
    await until(() => lines.find((l) => l.evt === 'finding'));
    await api.postTelemetry([
      ev('platform.start', { requestId: 'req-A' }),
      ev('platform.runtimeDone', { requestId: 'req-A', status: 'success' }),
    ]);
    await api.waitForNext(2);

    const second = net.connect(socketPath());
    second.on('error', () => {});
    await until(() =>
      lines.find((l) => l.evt === 'finding' && (l.finding as { kind: string }).kind === 'second_client'),
    );

    api.invoke('req-B'); // the agent says nothing about this one
    await api.postTelemetry([
      ev('platform.start', { requestId: 'req-B' }),
      ev('platform.runtimeDone', { requestId: 'req-B', status: 'success' }),
    ]);
    await api.waitForNext(3);
    api.shutdown();
    expect(await done).toBe(0);
    agent.destroy();
    second.destroy();

    const findings = lines
      .filter((l) => l.evt === 'finding')
      .map((l) => l.finding as { kind: string; requestId?: string; source: string; category: string });
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'shell_metachar', requestId: 'req-A', source: 'agent' }),
        expect.objectContaining({ kind: 'second_client', category: 'integrity', source: 'extension' }),
        expect.objectContaining({
          kind: 'agent_silent',
          category: 'integrity',
          requestId: 'req-B',
          source: 'extension',
        }),
      ]),
    );
    expect(findings.filter((f) => f.kind === 'agent_silent').map((f) => f.requestId)).toEqual(['req-B']);
  });

  it('a heartbeat that trails the runtimeDone (agent still connecting) is not an agent_silent finding', async () => {
    const done = start({ SENTINEL_EXPECT_AGENT: 'true', SENTINEL_RUNTIMEDONE_WAIT_MS: '0' });
    await api.waitForNext(1);
    api.invoke('req-late');
    await api.postTelemetry([
      ev('platform.start', { requestId: 'req-late' }),
      ev('platform.runtimeDone', { requestId: 'req-late', status: 'success' }),
    ]);
    await api.waitForNext(2);
    // Only now the agent connects and flushes its queued frames, as after a slow welcome.
    const agent = net.connect(socketPath());
    const send = (m: AnyMessage) => agent.write(encodeFrame(m));
    send({ t: 'hello', v: PROTOCOL_VERSION, pid: 1, node: process.version, agentVersion: 'test', attach: 'wrapper' });
    send({ t: 'inv_start', requestId: 'req-late', ts: Date.now() });
    send({ t: 'inv_end', requestId: 'req-late', ts: Date.now(), outcome: 'success' });
    await until(() => lines.find((l) => l.evt === 'channel' && l.state === 'connected'));
    await new Promise((r) => setTimeout(r, 50));
    api.shutdown();
    expect(await done).toBe(0);
    agent.destroy();
    const findings = lines.filter((l) => l.evt === 'finding').map((l) => l.finding as { kind: string });
    expect(findings.filter((f) => f.kind === 'agent_silent')).toEqual([]);
  });

  it('reports an invalid value as a finding and uses the default; strict mode fails the init through init/error', async () => {
    const loose = start({ SENTINEL_MODE: 'aggressive' });
    await api.waitForNext(1);
    api.shutdown();
    expect(await loose).toBe(0);
    expect(lines.find((l) => l.evt === 'config_error')?.msg).toMatch(/SENTINEL_MODE.*monitor \| block/);
    expect(lines.find((l) => l.evt === 'finding')?.finding).toMatchObject({
      category: 'configuration',
      kind: 'config_invalid',
    });

    await api.close();
    api = await FakeExtensionsApi.start();
    const strict = await start({ SENTINEL_MODE: 'aggressive', SENTINEL_STRICT_CONFIG: 'true' });
    expect(strict).toBe(1);
    expect(api.errorCalls).toEqual([expect.objectContaining({ kind: 'init', errorType: 'Extension.ConfigInvalid' })]);
    expect(api.nextCalls).toEqual([]);
  });

  it('resetEnvironment calls exit/error and exits', async () => {
    const done = start();
    await api.waitForNext(1);
    await ctxSeen?.resetEnvironment('terminate action for incident i-1');
    expect(api.errorCalls).toEqual([expect.objectContaining({ kind: 'exit', errorType: 'Extension.SentinelReset' })]);
    expect(exitCodes).toEqual([1]);
    // In production exit() never returns; here the platform goes away and the loop gives up.
    await api.close();
    await expect(done).resolves.toBe(1);
  });

  it('keeps running without telemetry when the subscription is refused (and then does not wait for runtimeDone)', async () => {
    await api.close();
    api = await FakeExtensionsApi.start(202);
    const done = start({ SENTINEL_RUNTIMEDONE_WAIT_MS: '5000' });
    await api.waitForNext(1);
    const t0 = Date.now();
    api.invoke('r1');
    await api.waitForNext(2);
    expect(Date.now() - t0).toBeLessThan(1000);
    api.shutdown();
    expect(await done).toBe(0);
    expect(lines.find((l) => l.evt === 'lifecycle' && l.state === 'ready')).toMatchObject({ telemetry: false });
  });
});
