/**
 * Failure handling of the sandbox (lambda-platform.md §0.4–0.5, §2.5–2.6, §4, §8): crashes, timeouts, resets,
 * shutdown deadline, payload limits, init failures.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionEnvironment } from '../../scripts/sandbox/emulator';
import { makeLayer, readRecords, recorderVar, type TempLayer, testEnvironment } from './helpers/sandbox';

// Real processes: allow more than jest's default 5 s per test (the e2e project's testTimeout is not applied per project).
jest.setTimeout(30_000);

const MiB = 1024 * 1024;

describe('sandbox failure handling', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const layerWith = (...exts: NonNullable<Parameters<typeof makeLayer>[0]>): TempLayer => {
    const l = makeLayer(exts);
    cleanups.push(() => l.cleanup());
    return l;
  };
  const envWith = async (o: Parameters<typeof testEnvironment>[0]): Promise<FunctionEnvironment> => {
    const e = await testEnvironment(o);
    cleanups.push(() => e.dispose());
    return e;
  };

  test('an extension exiting during an invoke → Extension.Crash, reset, fresh init on the next invoke', async () => {
    const layer = layerWith('node-recorder');
    const env = await envWith({
      layerDir: layer.dir,
      env: { [recorderVar('MODE', 'node-recorder')]: 'exit-on-invoke' },
    });
    const first = await env.invoke({ do: 'sleep', ms: 500 });
    expect(first.functionError).toBe('Unhandled');
    expect(first.error?.errorType).toBe('Extension.Crash');
    const second = await env.invoke({ do: 'count' });
    expect(second.response).toMatchObject({ invocations: 1 });
    await env.settled();
    const r = env.report();
    expect(r.invocations.map((i) => [i.status, i.errorType, i.coldStart])).toEqual([
      ['error', 'Extension.Crash', true],
      ['success', undefined, true],
    ]);
    expect(r.inits.map((i) => [i.phase, i.status])).toEqual([
      ['init', 'success'],
      ['invoke', 'success'],
    ]);
    expect(r.shutdowns.map((s) => s.reason)).toEqual(['failure']);
    const done = r.platformEvents.find((e) => e.type === 'platform.runtimeDone');
    expect(done?.record).toMatchObject({ requestId: first.requestId, status: 'error', errorType: 'Extension.Crash' });
    const report = r.platformEvents.find((e) => e.type === 'platform.report');
    expect(report?.record).toMatchObject({ requestId: first.requestId, status: 'error', errorType: 'Extension.Crash' });
  });

  test('an extension exiting between invokes resets the environment; the next invoke re-inits', async () => {
    const layer = layerWith('node-recorder');
    // exit-on-invoke crashes on the INVOKE; the function answers first (no sleep) so the crash lands after the answer
    const env = await envWith({
      layerDir: layer.dir,
      env: { [recorderVar('MODE', 'node-recorder')]: 'exit-on-invoke' },
    });
    await env.invoke({});
    await env.settled();
    const next = await env.invoke({ do: 'count' });
    expect(next.statusCode).toBe(200);
    expect(next.response).toMatchObject({ invocations: 1 });
    await env.settled();
    const r = env.report();
    expect(r.inits).toHaveLength(2);
    expect(r.shutdowns[0].reason).toBe('failure');
  });

  test('function timeout → Sandbox.Timedout, SHUTDOWN reason timeout, reset; /tmp survives', async () => {
    const layer = layerWith('node-recorder');
    // The re-init after the reset runs inside the next invoke, under the same timeout: leave room for it on a busy CI.
    const env = await envWith({ layerDir: layer.dir, timeoutMs: 1_200 });
    expect((await env.invoke({ do: 'tmp', value: 'one' })).response).toMatchObject({
      before: null,
      tmpdir: env.tmpDir,
    });
    const slow = await env.invoke({ do: 'sleep', ms: 5_000 });
    expect(slow.error?.errorType).toBe('Sandbox.Timedout');
    expect(slow.error?.errorMessage).toMatch(/Task timed out after 1\.20 seconds/);
    expect(slow.durationMs).toBeGreaterThanOrEqual(1_150);
    expect(slow.durationMs).toBeLessThan(2_500);
    const after = await env.invoke({ do: 'tmp', value: 'two' });
    expect(after.response).toMatchObject({ before: 'one' });
    await env.settled();
    const r = env.report();
    expect(r.invocations.map((i) => i.status)).toEqual(['success', 'timeout', 'success']);
    expect(r.invocations[2].coldStart).toBe(true);
    const shutdownEvents = readRecords(env.tmpDir, 'node-recorder')
      .filter((x) => x.kind === 'event' && (x.event as { eventType: string }).eventType === 'SHUTDOWN')
      .map((x) => x.event);
    expect(shutdownEvents[0]).toMatchObject({ shutdownReason: 'timeout' });
    const done = r.platformEvents.find(
      (e) => e.type === 'platform.runtimeDone' && (e.record as { requestId: string }).requestId === slow.requestId,
    );
    expect(done?.record).toMatchObject({ status: 'timeout' });
  });

  test('shutdown: runtime gets SIGTERM, an extension ignoring SHUTDOWN is SIGKILLed at the 2 000 ms deadline', async () => {
    const layer = layerWith('node-recorder', 'shell-recorder');
    const env = await envWith({
      layerDir: layer.dir,
      env: { GRACEFUL_SIGTERM: '1', [recorderVar('MODE', 'shell-recorder')]: 'ignore-shutdown' },
    });
    await env.invoke({});
    await env.settled();
    const t0 = Date.now();
    const r = await env.shutdown();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1_900);
    expect(took).toBeLessThan(3_500);
    expect(existsSync(join(env.tmpDir, 'sigterm-received'))).toBe(true);
    const states = Object.fromEntries(r.shutdowns[0].extensions.map((e) => [e.name, [e.state, e.signal]]));
    expect(states['node-recorder']).toEqual(['Exited', null]);
    expect(states['shell-recorder']).toEqual(['ShutdownFailed', 'SIGKILL']);
    const shellShutdown = readRecords(env.tmpDir, 'shell-recorder').find(
      (x) => x.kind === 'event' && (x.event as { eventType: string }).eventType === 'SHUTDOWN',
    );
    const deadline = (shellShutdown?.event as { deadlineMs?: number } | undefined)?.deadlineMs ?? 0;
    expect(deadline).toBeGreaterThan(t0 + 1_500);
    expect(deadline).toBeLessThanOrEqual(t0 + 2_100);
  });

  test('without extensions the runtime is SIGKILLed at once (no SIGTERM)', async () => {
    const env = await envWith({ env: { GRACEFUL_SIGTERM: '1' } });
    await env.invoke({});
    const t0 = Date.now();
    const r = await env.shutdown();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(existsSync(join(env.tmpDir, 'sigterm-received'))).toBe(false);
    expect(r.shutdowns[0].runtimeExit).toEqual({ code: null, signal: 'SIGKILL' });
  });

  test('responses over 6 MiB (+100 B) fail with Function.ResponseSizeTooLarge; just under passes', async () => {
    const env = await envWith({});
    const ok = await env.invoke({ do: 'big', bytes: 6 * MiB + 100 - 2 });
    expect(ok.statusCode).toBe(200);
    expect(typeof ok.response).toBe('string');
    const big = await env.invoke({ do: 'big', bytes: 6 * MiB + 100 });
    expect(big.error?.errorType).toBe('Function.ResponseSizeTooLarge');
    const after = await env.invoke({ do: 'count' });
    expect(after.statusCode).toBe(200);
  });

  test('invoke payloads over 6 MiB are rejected with 413 before anything runs', async () => {
    const env = await envWith({});
    const r = await env.invoke(undefined, { rawPayload: Buffer.alloc(6 * MiB + 101, 0x20) });
    expect(r.statusCode).toBe(413);
    expect(r.error?.errorType).toBe('RequestEntityTooLarge');
    expect(env.report().inits).toHaveLength(0);
  });

  test('a function error is returned as Unhandled without resetting the environment', async () => {
    const env = await envWith({});
    const r = await env.invoke({ do: 'throw', message: 'nope' });
    expect(r.functionError).toBe('Unhandled');
    expect(r.error).toMatchObject({ errorType: 'TypeError', errorMessage: 'nope' });
    expect((await env.invoke({ do: 'count' })).response).toMatchObject({ invocations: 2 });
    await env.settled();
    const done = env.report().platformEvents.find((e) => e.type === 'platform.runtimeDone');
    expect(done?.record).toMatchObject({ status: 'error', errorType: 'TypeError' });
    expect(env.report().shutdowns).toHaveLength(0);
  });

  test('the runtime exiting during an invoke → Runtime.ExitError and a cold start next', async () => {
    const env = await envWith({});
    const r = await env.invoke({ do: 'exit', code: 3 });
    expect(r.error?.errorType).toBe('Runtime.ExitError');
    expect(r.error?.errorMessage).toMatch(/Runtime exited with error: exit status 3/);
    const next = await env.invoke({ do: 'count' });
    expect(next.response).toMatchObject({ invocations: 1 });
  });

  test('init failures: Extension.InitError, then the suppressed init inside the invoke fails too', async () => {
    const layer = layerWith('node-recorder');
    const env = await envWith({ layerDir: layer.dir, env: { [recorderVar('MODE', 'node-recorder')]: 'init-error' } });
    const r = await env.invoke({});
    expect(r.error?.errorType).toBe('Extension.InitError');
    const rep = env.report();
    expect(rep.inits.map((i) => [i.phase, i.status, i.errorType])).toEqual([
      ['init', 'error', 'Extension.InitError'],
      ['invoke', 'error', 'Extension.InitError'],
    ]);
    const initReport = rep.platformEvents.find((e) => e.type === 'platform.initReport');
    expect(initReport?.record).toMatchObject({ status: 'error', errorType: 'Extension.InitError', phase: 'init' });
  });

  test('a non-executable extension → Extension.LaunchError; directories are ignored', async () => {
    const layer = layerWith();
    mkdirSync(join(layer.dir, 'extensions', 'a-directory'));
    layer.addScript('extensions/not-exec', '#!/bin/sh\nexit 0\n', 0o644);
    const env = await envWith({ layerDir: layer.dir });
    const init = await env.init();
    expect(init).toMatchObject({ status: 'error', errorType: 'Extension.LaunchError' });
    // the directory was not launched; the file was tried and failed
    expect(env.report().extensions.map((e) => [e.name, e.state])).toEqual([['not-exec', 'LaunchError']]);
  });

  test('an extension that never registers → init timeout', async () => {
    const layer = layerWith('node-recorder');
    const env = await envWith({
      layerDir: layer.dir,
      initTimeoutMs: 700,
      env: { [recorderVar('MODE', 'node-recorder')]: 'no-register' },
    });
    const init = await env.init();
    expect(init).toMatchObject({ status: 'timeout', errorType: 'Sandbox.Timeout' });
    expect(init.durationMs).toBeGreaterThanOrEqual(650);
  });

  test('a missing handler module → the runtime reports Runtime.ImportModuleError at init', async () => {
    const env = await envWith({ handler: 'missing.handler' });
    const init = await env.init();
    expect(init).toMatchObject({ status: 'error', errorType: 'Runtime.ImportModuleError' });
  });

  test('more than 10 extensions → Extension.TooManyExtensions', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `ext-${String(i).padStart(2, '0')}`);
    const layer = layerWith(...names.map((name) => ({ name, fixture: 'node-recorder' })));
    const env = await envWith({
      layerDir: layer.dir,
      env: Object.fromEntries(names.map((n) => [recorderVar('TYPES', n), 'none'])),
    });
    const init = await env.init();
    expect(init.status).toBe('error');
    const statuses = names.map((n) => readRecords(env.tmpDir, n).find((x) => x.kind === 'register'));
    const refused = statuses.filter((s) => s?.status === 403);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.body).toMatchObject({ errorType: 'Extension.TooManyExtensions' });
  });
});
