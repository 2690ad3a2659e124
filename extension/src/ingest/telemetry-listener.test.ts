import * as http from 'node:http';
import fc from 'fast-check';
import { createLogger } from '../log/logger';
import { RateLimitedLog } from '../log/rate-limited-log';
import { Counters } from '../util/counters';
import { DEFAULT_TELEMETRY_LIMITS, TelemetryAggregator } from './telemetry-aggregator';
import {
  MAX_BODY_BYTES,
  resolveListenAddress,
  startTelemetryListener,
  type TelemetryListener,
} from './telemetry-listener';

function post(port: number, body: string | Buffer, method = 'POST'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: '/telemetry', headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('telemetry listener', () => {
  let listener: TelemetryListener;
  const batches: unknown[] = [];
  const counters = new Counters();
  beforeAll(async () => {
    listener = await startTelemetryListener({
      onBatch: (b) => batches.push(b),
      counters,
      warn: new RateLimitedLog(createLogger('silent')),
      address: '127.0.0.1',
    });
  });
  afterAll(() => listener.close());

  it('subscribes with a sandbox.localdomain URI and accepts JSON arrays', async () => {
    expect(listener.uri).toBe(`http://sandbox.localdomain:${listener.port}/telemetry`);
    expect(await post(listener.port, JSON.stringify([{ type: 'platform.start', record: { requestId: 'a' } }]))).toBe(
      200,
    );
    expect(batches).toEqual([[{ type: 'platform.start', record: { requestId: 'a' } }]]);
  });

  it('answers malformed and oversize batches without passing them on, counting each, and keeps serving', async () => {
    const before = batches.length;
    expect(await post(listener.port, '{nope')).toBe(200);
    expect(await post(listener.port, Buffer.alloc(MAX_BODY_BYTES + 10, 0x20))).toBe(413);
    expect(await post(listener.port, '', 'GET')).toBe(405);
    expect(counters.snapshot()).toMatchObject({
      telemetry_bad_json: 1,
      telemetry_oversize: 1,
      telemetry_http_bad_method: 1,
    });
    expect(batches.length).toBe(before);
    expect(await post(listener.port, '[]')).toBe(200);
    expect(batches.length).toBe(before + 1);
  });

  it('falls back to 127.0.0.1 when the name does not resolve', async () => {
    expect(await resolveListenAddress('no-such-host.invalid')).toBe('127.0.0.1');
  });

  it('keeps serving hostile bodies over HTTP into the aggregator with bounded state (fuzz)', async () => {
    const c = new Counters();
    const agg = new TelemetryAggregator({ onSummary() {} }, DEFAULT_TELEMETRY_LIMITS, c);
    const l = await startTelemetryListener({
      onBatch: (b) => agg.ingestBatch(b),
      counters: c,
      warn: new RateLimitedLog(createLogger('silent')),
      address: '127.0.0.1',
    });
    try {
      const event = fc.record({
        type: fc.constantFrom(
          'platform.start',
          'platform.runtimeDone',
          'platform.report',
          'function',
          'platform.logsDropped',
          'zz',
        ),
        record: fc.oneof(
          fc.record({ requestId: fc.string({ maxLength: 70 }), status: fc.constantFrom('success', 'timeout', 'x') }),
          fc.string({ maxLength: 3000 }),
          fc.anything(),
        ),
      });
      const bodies = fc.sample(
        fc.oneof(
          fc.string({ maxLength: 500 }),
          fc.json().map(String),
          fc.array(event, { maxLength: 300 }).map((a) => JSON.stringify(a)),
        ),
        150,
      );
      for (const b of bodies) expect(await post(l.port, b)).toBe(200);
      expect(agg.openCount).toBeLessThanOrEqual(DEFAULT_TELEMETRY_LIMITS.maxOpen);
      expect(agg.orphanLineCount).toBeLessThanOrEqual(DEFAULT_TELEMETRY_LIMITS.maxLogLines);
      expect(await post(l.port, '[]')).toBe(200);
    } finally {
      await l.close();
    }
  });
});
