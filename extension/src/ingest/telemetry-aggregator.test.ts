import fc from 'fast-check';
import type { InvocationSummary } from '../pipeline';
import { DEFAULT_TELEMETRY_LIMITS, TelemetryAggregator } from './telemetry-aggregator';

const ev = (type: string, record: unknown) => ({ time: '2022-10-21T14:05:03.165Z', type, record });

function collect() {
  const summaries: InvocationSummary[] = [];
  const runtimeDone: string[] = [];
  const agg = new TelemetryAggregator({
    onSummary: (s) => summaries.push(s),
    onRuntimeDone: (id) => runtimeDone.push(id),
  });
  return { agg, summaries, runtimeDone };
}

describe('TelemetryAggregator', () => {
  it('derives a summary per invocation, attributing text and JSON log lines, even when the report comes late', () => {
    const { agg, summaries, runtimeDone } = collect();
    agg.ingestBatch([
      ev('platform.initReport', {
        initializationType: 'on-demand',
        phase: 'init',
        status: 'success',
        metrics: { durationMs: 125.3 },
      }),
      ev('platform.start', { requestId: 'r1' }),
      ev('function', '2022-10-21T14:05:03.170Z\tr1\tINFO\thello'),
      ev('function', { timestamp: 'x', level: 'INFO', requestId: 'r1', message: 'json hello' }),
      ev('platform.runtimeDone', { requestId: 'r1', status: 'success', metrics: { durationMs: 12 } }),
    ]);
    expect(runtimeDone).toEqual(['r1']);
    expect(summaries).toEqual([]);
    agg.ingestBatch([
      ev('platform.start', { requestId: 'r2' }),
      ev('platform.report', {
        requestId: 'r1',
        status: 'success',
        metrics: { durationMs: 12.5, billedDurationMs: 13, memorySizeMB: 128, maxMemoryUsedMB: 70 },
      }),
      ev('function', 'untagged line while r2 runs'),
      ev('platform.runtimeDone', { requestId: 'r2', status: 'timeout', errorType: 'Sandbox.Timeout' }),
      ev('platform.report', {
        requestId: 'r2',
        status: 'timeout',
        metrics: { durationMs: 3000, billedDurationMs: 3000, memorySizeMB: 128, maxMemoryUsedMB: 71 },
      }),
    ]);
    expect(summaries).toEqual([
      {
        requestId: 'r1',
        status: 'success',
        durationMs: 12.5,
        billedDurationMs: 13,
        memorySizeMB: 128,
        maxMemoryUsedMB: 70,
        initDurationMs: 125.3,
        logTail: ['2022-10-21T14:05:03.170Z\tr1\tINFO\thello', 'json hello'],
      },
      {
        requestId: 'r2',
        status: 'timeout',
        errorType: 'Sandbox.Timeout',
        durationMs: 3000,
        billedDurationMs: 3000,
        memorySizeMB: 128,
        maxMemoryUsedMB: 71,
        logTail: ['untagged line while r2 runs'],
      },
    ]);
  });

  it('counts malformed batches, bad records, unknown types and logsDropped, and ignores duplicate reports', () => {
    const { agg, summaries } = collect();
    expect(agg.ingestBatch({ not: 'an array' })).toBe(false);
    agg.ingestBatch([
      null,
      42,
      { type: 7 },
      ev('platform.start', 'not an object'),
      ev('platform.runtimeDone', { requestId: 'r1', status: 'weird' }),
      ev('platform.future', {}),
      ev('platform.logsDropped', { droppedBytes: 100, droppedRecords: 3, reason: 'slow' }),
      ev('platform.report', { requestId: 'r1', status: 'error', errorType: 'Runtime.ExitError', metrics: {} }),
      ev('platform.report', { requestId: 'r1', status: 'error', metrics: {} }),
    ]);
    expect(agg.counters.snapshot()).toMatchObject({
      telemetry_bad_batch: 1,
      telemetry_bad_event: 3,
      telemetry_bad_record: 2,
      telemetry_unknown_type: 1,
      telemetry_logs_dropped_records: 3,
      telemetry_logs_dropped_bytes: 100,
      telemetry_duplicate: 1,
    });
    expect(summaries).toEqual([{ requestId: 'r1', status: 'error', errorType: 'Runtime.ExitError' }]);
  });

  it('flush at shutdown finishes open invocations, marking ones without runtimeDone as failures', () => {
    const { agg, summaries } = collect();
    agg.ingestBatch([
      ev('platform.start', { requestId: 'a' }),
      ev('platform.start', { requestId: 'b' }),
      ev('platform.runtimeDone', { requestId: 'a', status: 'success', metrics: { durationMs: 4 } }),
    ]);
    agg.flush();
    expect(summaries).toEqual([
      { requestId: 'a', status: 'success', durationMs: 4 },
      { requestId: 'b', status: 'failure', errorType: 'Sentinel.NoRuntimeDone' },
    ]);
    expect(agg.openCount).toBe(0);
  });

  // Hostile input: random JSON values and plausible-but-wrong events. No throw, state within the documented bound.
  it('survives random and hostile batches with bounded state (fuzz)', () => {
    const L = DEFAULT_TELEMETRY_LIMITS;
    const ids = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('r1', 'r2', 'r3'), fc.uuid());
    const types = fc.constantFrom(
      'platform.start',
      'platform.runtimeDone',
      'platform.report',
      'function',
      'platform.logsDropped',
      'platform.initReport',
      'x',
    );
    const plausible = fc.record({
      type: types,
      record: fc.oneof(
        fc.record({
          requestId: ids,
          status: fc.constantFrom('success', 'error', 'timeout', 'failure', 'bogus'),
          metrics: fc.anything(),
          message: fc.string({ maxLength: 2000 }),
          droppedRecords: fc.anything(),
        }),
        fc.string({ maxLength: 2000 }),
        fc.anything(),
      ),
    });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.anything(), fc.array(fc.oneof(plausible, fc.anything()), { maxLength: 200 })), {
          maxLength: 30,
        }),
        (batches) => {
          const seen: InvocationSummary[] = [];
          const agg = new TelemetryAggregator({ onSummary: (s) => seen.push(s) });
          for (const b of batches) agg.ingestBatch(b);
          expect(agg.openCount).toBeLessThanOrEqual(L.maxOpen);
          expect(agg.orphanLineCount).toBeLessThanOrEqual(L.maxLogLines);
          agg.flush();
          for (const s of seen) {
            expect(['success', 'error', 'timeout', 'failure']).toContain(s.status);
            expect(s.requestId.length).toBeLessThanOrEqual(64);
            expect((s.logTail ?? []).length).toBeLessThanOrEqual(L.maxLogLines);
            for (const l of s.logTail ?? []) expect(l.length).toBeLessThanOrEqual(L.maxLineChars);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('evicts the oldest open invocation under a flood of distinct request ids', () => {
    const { agg } = collect();
    const batch = Array.from({ length: 10_000 }, (_, i) => ev('platform.start', { requestId: `id-${i}` }));
    agg.ingestBatch(batch);
    expect(agg.openCount).toBe(DEFAULT_TELEMETRY_LIMITS.maxOpen);
    expect(agg.counters.get('telemetry_evicted')).toBe(10_000 - DEFAULT_TELEMETRY_LIMITS.maxOpen);
  });
});
