/**
 * Telemetry API delivery (lambda-platform.md §3.2–3.3, §8): batching limits, one batch in flight with
 * platform.logsDropped, init replay, log record shapes per schema and log format.
 */
import type { TelemetryEvent } from '../../scripts/sandbox/emulator';
import {
  makeLayer,
  readRecords,
  receivedTelemetry,
  recorderVar,
  type TempLayer,
  testEnvironment,
  waitFor,
} from './helpers/sandbox';

// Real processes: allow more than jest's default 5 s per test (the e2e project's testTimeout is not applied per project).
jest.setTimeout(30_000);

const NODE = 'node-recorder';
const SHELL = 'shell-recorder';

describe('sandbox telemetry delivery', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const layerWith = (...exts: string[]): TempLayer => {
    const l = makeLayer(exts);
    cleanups.push(() => l.cleanup());
    return l;
  };
  const envWith = async (o: Parameters<typeof testEnvironment>[0]) => {
    const e = await testEnvironment(o);
    cleanups.push(() => e.dispose());
    return e;
  };
  const functionLines = (events: TelemetryEvent[], prefix: string) =>
    events.filter(
      (e) =>
        e.type === 'function' && (typeof e.record === 'string' ? e.record : JSON.stringify(e.record)).includes(prefix),
    );

  test('batches never exceed maxItems; delivered + dropped = produced', async () => {
    const layer = layerWith(NODE);
    const env = await envWith({
      layerDir: layer.dir,
      env: {
        [recorderVar('TYPES', NODE)]: 'function',
        [recorderVar('BUFFERING', NODE)]: '{"maxItems":1000,"maxBytes":1048576,"timeoutMs":1500}',
      },
    });
    await env.invoke({ do: 'log', lines: 2_500 });
    await env.settled();
    await waitFor(
      () => {
        const sub = env.report().telemetry.find((t) => t.name === NODE);
        // 2 500 function records (only `function` is subscribed, so no platform.logsDropped is counted in)
        return sub && sub.events.length + sub.droppedRecords >= 2_500 && sub;
      },
      5_000,
      'all function records accounted for',
    );
    const sub = env.report().telemetry.find((t) => t.name === NODE);
    expect((sub?.events.length ?? 0) + (sub?.droppedRecords ?? 0)).toBe(2_500);
    expect(sub?.batchSizes.every((n) => n <= 1_000)).toBe(true);
    expect(sub?.batchSizes).toContain(1_000);
    const { batches } = receivedTelemetry(env.tmpDir, NODE);
    expect(batches.map((b) => b.length)).toEqual(sub?.batchSizes);
  });

  test('maxBytes cuts a batch once it reaches the byte limit', async () => {
    const layer = layerWith(NODE);
    const env = await envWith({
      layerDir: layer.dir,
      env: {
        [recorderVar('TYPES', NODE)]: 'function',
        [recorderVar('BUFFERING', NODE)]: '{"maxItems":1000,"maxBytes":262144,"timeoutMs":1000}',
      },
    });
    await env.invoke({ do: 'wide', lines: 2, width: 100_000 });
    // third line alone: only the timeout flushes it
    await env.invoke({ do: 'wide', lines: 1, width: 100_000 });
    await env.settled();
    const sizes = await waitFor(
      () => {
        const sub = env.report().telemetry.find((t) => t.name === NODE);
        return sub && sub.events.length >= 3 && sub.batchSizes;
      },
      5_000,
      'three wide records',
    );
    // 2 × 100 kB stay under 256 KiB; the third line pushes the batch over → cut with 3 items
    expect(sizes[0]).toBe(3);
  });

  test('timeoutMs: a partial batch is sent timeoutMs after its first event', async () => {
    const layer = layerWith(NODE);
    const env = await envWith({
      layerDir: layer.dir,
      env: { [recorderVar('BUFFERING', NODE)]: '{"maxItems":1000,"maxBytes":262144,"timeoutMs":400}' },
    });
    const r = await env.invoke({});
    await env.settled();
    const rec = await waitFor(
      () =>
        readRecords(env.tmpDir, NODE).find(
          (x) => x.kind === 'telemetry' && (x.batch as TelemetryEvent[]).some((e) => e.type === 'platform.start'),
        ),
      5_000,
      'batch with platform.start',
    );
    const batch = rec.batch as TelemetryEvent[];
    const first = Date.parse(batch[0].time);
    const waited = (rec.t as number) - first;
    expect(waited).toBeGreaterThanOrEqual(380);
    expect(waited).toBeLessThan(1_500);
    expect(batch.map((e) => e.type)).toContain('platform.start');
    expect(batch.find((e) => e.type === 'platform.start')?.record).toMatchObject({ requestId: r.requestId });
  });

  test('a slow listener: records beyond 2 × maxBytes buffered during a delivery → platform.logsDropped', async () => {
    const layer = layerWith(NODE);
    const env = await envWith({
      layerDir: layer.dir,
      env: {
        [recorderVar('TYPES', NODE)]: 'platform,function',
        [recorderVar('MODE', NODE)]: 'slow-listener',
        [recorderVar('SLOW_MS', NODE)]: '400',
        [recorderVar('BUFFERING', NODE)]: '{"maxItems":1000,"maxBytes":262144,"timeoutMs":25}',
      },
    });
    // 8 × 200 kB at once: two go out (≥ maxBytes), two more fit the 2 × 256 KiB buffer, the rest is dropped
    await env.invoke({ do: 'wide', lines: 8, width: 200_000 });
    await env.settled();
    const dropped = await waitFor(
      () => receivedTelemetry(env.tmpDir, NODE).events.find((e) => e.type === 'platform.logsDropped'),
      8_000,
      'platform.logsDropped',
    );
    expect(dropped.record).toEqual({
      droppedBytes: expect.any(Number),
      droppedRecords: expect.any(Number),
      reason: 'Some logs were dropped because the downstream consumer is slower than the logs production rate',
    });
    expect((dropped.record as { droppedRecords: number }).droppedRecords).toBeGreaterThan(0);
    const sub = env.report().telemetry.find((t) => t.name === NODE);
    expect(sub?.droppedRecords).toBeGreaterThan(0);
    expect(env.report().platformEvents.some((e) => e.type === 'platform.logsDropped')).toBe(true);
  });

  test('a listener slower than timeoutMs but within the buffer loses nothing', async () => {
    const layer = layerWith(NODE);
    const env = await envWith({
      layerDir: layer.dir,
      env: {
        [recorderVar('TYPES', NODE)]: 'function',
        [recorderVar('MODE', NODE)]: 'slow-listener',
        [recorderVar('SLOW_MS', NODE)]: '100',
        [recorderVar('BUFFERING', NODE)]: '{"maxItems":1000,"maxBytes":262144,"timeoutMs":25}',
      },
    });
    await env.invoke({ do: 'trickle', lines: 20, every: 20 });
    await env.settled();
    const lines = await waitFor(
      () => {
        const got = functionLines(receivedTelemetry(env.tmpDir, NODE).events, 'trickle');
        return got.length >= 20 && got;
      },
      8_000,
      '20 trickle lines',
    );
    expect(lines.map((e) => String(e.record).split('\t').pop())).toEqual(
      Array.from({ length: 20 }, (_, i) => `trickle ${i}`),
    );
    expect(env.report().telemetry.find((t) => t.name === NODE)?.droppedRecords).toBe(0);
  });

  test('init events before a subscription are replayed; extension logs arrive as records', async () => {
    const layer = layerWith(NODE, SHELL);
    const env = await envWith({ layerDir: layer.dir, env: { [recorderVar('TYPES', NODE)]: 'platform,extension' } });
    await env.invoke({});
    await env.settled();
    const { events } = await waitFor(
      () => {
        const t = receivedTelemetry(env.tmpDir, NODE);
        return t.events.some((e) => e.type === 'platform.report') && t;
      },
      5_000,
      'report',
    );
    // printed before node-recorder subscribed: only the replay can deliver it
    const own = events.find((e) => e.type === 'extension' && e.record === '[node-recorder] registered');
    expect(own).toBeDefined();
    expect(events.some((e) => e.type === 'extension' && e.record === '[shell-recorder] registered')).toBe(true);
    expect(events[0].type).toBe('platform.initStart');
    expect(events.filter((e) => e.type === 'platform.telemetrySubscription').map((e) => e.record)).toEqual(
      expect.arrayContaining([{ name: NODE, state: 'Subscribed', types: ['platform', 'extension'] }]),
    );
    expect(events.some((e) => e.type === 'function')).toBe(false);
  });

  test('JSON log format: objects for schema 2022-12-13, strings for 2022-07-01', async () => {
    const layer = layerWith(NODE, SHELL);
    const env = await envWith({
      layerDir: layer.dir,
      logFormat: 'JSON',
      env: { [recorderVar('SCHEMA', SHELL)]: '2022-07-01' },
    });
    const r = await env.invoke({ do: 'log', lines: 2 });
    await env.settled();
    const get = (ext: string) =>
      waitFor(
        () => {
          const lines = functionLines(receivedTelemetry(env.tmpDir, ext).events, 'line 1');
          return lines.length > 0 && lines[0];
        },
        5_000,
        `${ext} function record`,
      );
    const asObject = await get(NODE);
    expect(asObject.record).toMatchObject({
      level: 'INFO',
      requestId: r.requestId,
      message: 'line 1',
      timestamp: expect.any(String),
    });
    const asString = await get(SHELL);
    expect(typeof asString.record).toBe('string');
    expect(JSON.parse(asString.record as string)).toMatchObject({ message: 'line 1', requestId: r.requestId });
  });
});
