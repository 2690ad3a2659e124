/**
 * Conformance of the sandbox's lifecycle with lambda-platform.md §0/§2.5/§3.4, on every available Node runtime:
 * phase ordering as seen by telemetry subscribers, event shapes, environment composition, spindown.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { availableRuntimes } from '../../scripts/lib/runtimes';
import type { EnvironmentReport, FunctionEnvironment } from '../../scripts/sandbox/emulator';
import {
  FUNCTIONS,
  indexOf,
  makeLayer,
  REPO,
  readRecords,
  receivedTelemetry,
  recordOf,
  type TempLayer,
  testEnvironment,
  waitFor,
} from './helpers/sandbox';

// Real processes: allow more than jest's default 5 s per test (the e2e project's testTimeout is not applied per project).
jest.setTimeout(30_000);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Every Node of the matrix with the emulated runtime, plus AWS's own aws-lambda-ric (Node ≥ 22) when it is built.
const RIC_BUILT = existsSync(join(REPO, 'test', 'ric', 'node_modules', 'aws-lambda-ric', 'rapid-client.node'));
const MATRIX = [
  ...availableRuntimes().map((r) => ({ ...r, runtime: 'builtin' as const })),
  ...availableRuntimes()
    .filter((r) => r.major >= 22 && RIC_BUILT)
    .map((r) => ({ ...r, runtime: 'ric' as const })),
];

describe.each(MATRIX)('sandbox lifecycle on Node $major ($runtime runtime)', ({ node, runtime }) => {
  let layer: TempLayer;
  let env: FunctionEnvironment;
  let report: EnvironmentReport;
  const results: Awaited<ReturnType<FunctionEnvironment['invoke']>>[] = [];

  beforeAll(async () => {
    layer = makeLayer(['node-recorder', 'shell-recorder']);
    env = await testEnvironment({
      codeDir: join(FUNCTIONS, 'echo'),
      layerDir: layer.dir,
      node,
      runtime,
      functionName: 'echo-fn',
      env: { CUSTOMER_VAR: 'yes', NODE_OPTIONS: '--enable-source-maps' },
    });
    results.push(await env.invoke({ a: 1 }));
    results.push(await env.invoke({ a: 2 }));
    await env.settled();
    // platform.report of the last invoke is produced after the extensions' event/next: wait until it is delivered.
    for (const ext of ['node-recorder', 'shell-recorder']) {
      await waitFor(
        () =>
          receivedTelemetry(env.tmpDir, ext).events.some(
            (e) => e.type === 'platform.report' && recordOf(e).requestId === results[1].requestId,
          ),
        5_000,
        `${ext} to receive the last platform.report`,
      );
    }
    report = await env.shutdown();
  });

  afterAll(async () => {
    await env?.dispose();
    layer?.cleanup();
  });

  test('the caller gets the handler result', () => {
    expect(results.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(results[0].response).toEqual({
      received: { a: 1 },
      requestId: results[0].requestId,
      functionName: 'echo-fn',
    });
    expect(results[1].response).toMatchObject({ received: { a: 2 } });
    expect(report.invocations.map((i) => i.status)).toEqual(['success', 'success']);
    expect(report.invocations.map((i) => i.coldStart)).toEqual([true, false]);
  });

  test.each(['node-recorder', 'shell-recorder'])('%s sees the documented telemetry order', (ext) => {
    const { events } = receivedTelemetry(env.tmpDir, ext);
    const types = events.map((e) => e.type);
    const at = (type: string, pred: (r: Record<string, unknown>) => boolean = () => true) =>
      indexOf(events, (e) => e.type === type && pred(recordOf(e)));
    const rid = (id: string) => (r: Record<string, unknown>) => r.requestId === id;
    const order = [
      at('platform.initStart'),
      at('platform.telemetrySubscription', (r) => r.name === ext),
      at('platform.initRuntimeDone'),
      at('platform.extension'),
      at('platform.initReport'),
      at('platform.start', rid(results[0].requestId)),
      indexOf(events, (e) => e.type === 'function' && String(e.record).includes('echo handler got {"a":1}')),
      at('platform.runtimeDone', rid(results[0].requestId)),
      at('platform.report', rid(results[0].requestId)),
      at('platform.start', rid(results[1].requestId)),
      at('platform.runtimeDone', rid(results[1].requestId)),
      at('platform.report', rid(results[1].requestId)),
    ];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // one platform.extension per extension, and nothing of type extension (not subscribed)
    expect(types.filter((t) => t === 'platform.extension')).toHaveLength(2);
    expect(types).not.toContain('extension');
    const initStart = recordOf(events[at('platform.initStart')]);
    expect(initStart).toMatchObject({
      initializationType: 'on-demand',
      phase: 'init',
      functionName: 'echo-fn',
      functionVersion: '$LATEST',
    });
    const initReport = recordOf(events[at('platform.initReport')]);
    expect(initReport).toMatchObject({ status: 'success', phase: 'init', metrics: { durationMs: expect.any(Number) } });
    const done = recordOf(events[at('platform.runtimeDone', rid(results[0].requestId))]);
    expect(done).toMatchObject({
      status: 'success',
      metrics: { durationMs: expect.any(Number), producedBytes: expect.any(Number) },
    });
    expect((done.spans as { name: string }[]).map((s) => s.name)).toEqual(['responseLatency', 'responseDuration']);
    const rep = recordOf(events[at('platform.report', rid(results[0].requestId))]);
    expect(rep).toMatchObject({
      status: 'success',
      metrics: { memorySizeMB: 128, billedDurationMs: expect.any(Number), initDurationMs: expect.any(Number) },
    });
    const warm = recordOf(events[at('platform.report', rid(results[1].requestId))]);
    expect((warm.metrics as Record<string, unknown>).initDurationMs).toBeUndefined();
    // Text log format: function records are the runtime's text lines
    const fn = events.find((e) => e.type === 'function');
    expect(fn?.record).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${results[0].requestId}\\tINFO\\techo handler got`),
    );
    for (const e of events) expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('register, INVOKE and SHUTDOWN events have the documented shapes', () => {
    const recs = readRecords(env.tmpDir, 'node-recorder');
    const reg = recs.find((r) => r.kind === 'register');
    expect(reg?.status).toBe(200);
    expect(reg?.identifier).toMatch(UUID);
    expect(reg?.body).toEqual({
      functionName: 'echo-fn',
      functionVersion: '$LATEST',
      handler: 'index.handler',
      accountId: '123456789012',
    });
    expect(recs.find((r) => r.kind === 'subscribe')).toMatchObject({ status: 200, body: 'OK' });
    const events = recs.filter((r) => r.kind === 'event').map((r) => r.event as Record<string, unknown>);
    expect(events.map((e) => e.eventType)).toEqual(['INVOKE', 'INVOKE', 'SHUTDOWN']);
    expect(Object.keys(events[0]).sort()).toEqual(['deadlineMs', 'eventType', 'invokedFunctionArn', 'requestId']);
    expect(events[0]).toMatchObject({
      requestId: results[0].requestId,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:echo-fn',
    });
    expect(events[0].deadlineMs).toBeGreaterThan(Date.now() - 60_000);
    expect(events[2]).toEqual({ eventType: 'SHUTDOWN', shutdownReason: 'spindown', deadlineMs: expect.any(Number) });
    const shellEvents = readRecords(env.tmpDir, 'shell-recorder').filter((r) => r.kind === 'event');
    expect(shellEvents.map((r) => (r.event as Record<string, unknown>).eventType)).toEqual([
      'INVOKE',
      'INVOKE',
      'SHUTDOWN',
    ]);
  });

  test('extensions get the reduced environment; PATH starts with the node directory', () => {
    const extEnv = readRecords(env.tmpDir, 'node-recorder').find((r) => r.kind === 'env')?.env as Record<
      string,
      string
    >;
    for (const k of [
      '_HANDLER',
      'LAMBDA_TASK_ROOT',
      'LAMBDA_RUNTIME_DIR',
      'AWS_EXECUTION_ENV',
      'AWS_LAMBDA_LOG_GROUP_NAME',
      'AWS_LAMBDA_LOG_STREAM_NAME',
      'AWS_XRAY_DAEMON_ADDRESS',
      'AWS_XRAY_CONTEXT_MISSING',
      '_AWS_XRAY_DAEMON_ADDRESS',
      '_AWS_XRAY_DAEMON_PORT',
    ]) {
      expect(extEnv[k]).toBeUndefined();
    }
    expect(Object.keys(extEnv).filter((k) => k.startsWith('_'))).toEqual([]);
    expect(extEnv).toMatchObject({
      CUSTOMER_VAR: 'yes',
      NODE_OPTIONS: '--enable-source-maps',
      AWS_LAMBDA_RUNTIME_API: env.runtimeApi,
      AWS_LAMBDA_FUNCTION_NAME: 'echo-fn',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_REGION: 'us-east-1',
      TZ: ':UTC',
      TMPDIR: env.tmpDir,
    });
    expect(extEnv.PATH.split(':')[0]).toBe(dirname(node));
    expect(extEnv.AWS_ACCESS_KEY_ID).toBeTruthy();
  });

  test('spindown: SHUTDOWN-subscribed extensions exit by themselves', () => {
    expect(report.shutdowns).toHaveLength(1);
    expect(report.shutdowns[0].reason).toBe('spindown');
    expect(report.shutdowns[0].extensions.map((e) => [e.name, e.state])).toEqual([
      ['node-recorder', 'Exited'],
      ['shell-recorder', 'Exited'],
    ]);
    expect(
      report.extensionLogs.some((l) => l.extension === 'shell-recorder' && l.line === '[shell-recorder] registered'),
    ).toBe(true);
    expect(report.platformErrors).toEqual([]);
  });
});

describe('runtime environment composition', () => {
  test('runtime gets _HANDLER, LAMBDA_TASK_ROOT, TMPDIR, mapped /opt/ paths; cwd is the code dir', async () => {
    const layer = makeLayer();
    const env = await testEnvironment({
      layerDir: layer.dir,
      handler: 'index.handler',
      env: { NODE_OPTIONS: '--require /opt/nothing.cjs --enable-source-maps', SOME: 'value' },
    });
    layer.addScript('nothing.cjs', '// preload used by the test\nglobalThis.__preloaded = true;\n', 0o644);
    try {
      const r = await env.invoke({ do: 'env' });
      const { env: fnEnv, cwd } = r.response as { env: Record<string, string>; cwd: string };
      expect(cwd).toBe(join(FUNCTIONS, 'behaviours'));
      expect(fnEnv).toMatchObject({
        _HANDLER: 'index.handler',
        LAMBDA_TASK_ROOT: join(FUNCTIONS, 'behaviours'),
        TMPDIR: env.tmpDir,
        SOME: 'value',
        NODE_OPTIONS: `--require ${layer.dir}/nothing.cjs --enable-source-maps`,
        AWS_LAMBDA_RUNTIME_API: env.runtimeApi,
        AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/sandbox-function',
        AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
        AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${process.versions.node.split('.')[0]}.x`,
        LANG: 'en_US.UTF-8',
      });
      expect(fnEnv.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
      expect(fnEnv.PATH.split(':')[0]).toBe(dirname(process.execPath));
    } finally {
      await env.dispose();
      layer.cleanup();
    }
  });

  test('AWS_LAMBDA_EXEC_WRAPPER=/opt/... runs the wrapper from the layer; a missing one fails init (exit 127)', async () => {
    const layer = makeLayer();
    layer.addScript('wrapper', '#!/bin/bash\nexport WRAPPED_BY="$(basename "$0")"\nexec "$@"\n');
    const env = await testEnvironment({ layerDir: layer.dir, env: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/wrapper' } });
    const missing = await testEnvironment({ layerDir: layer.dir, env: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/absent' } });
    try {
      const r = await env.invoke({ do: 'env' });
      expect((r.response as { env: Record<string, string> }).env.WRAPPED_BY).toBe('wrapper');
      const init = await missing.init();
      expect(init).toMatchObject({ status: 'error', errorType: 'Runtime.ExitError' });
      expect(init.errorMessage).toMatch(/exit status 127/);
      expect(missing.report().functionLogs.map((l) => l.line)).toContain(`${layer.dir}/absent: does not exist`);
    } finally {
      await env.dispose();
      await missing.dispose();
      layer.cleanup();
    }
  });
});
