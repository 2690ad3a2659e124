/**
 * Turns the Telemetry API stream (schema 2022-12-13, types platform + function) into one InvocationSummary per
 * request: status, duration, billed duration, memory, init duration and a bounded tail of the function's log lines.
 * Pure bookkeeping, no I/O: the HTTP listener feeds it parsed batches.
 *
 * Ordering facts it copes with (lambda-platform.md §3.2): `platform.report` for invocation N usually arrives after
 * the extension's event/next for N (during N+1 or SHUTDOWN); batches may split an invocation; duplicates and
 * hostile records must not grow state.
 *
 * Memory bound: at most `maxOpen` open invocations × `maxLogLines` lines × `maxLineChars` characters
 * (defaults 64 × 20 × 512 ≈ 655k chars), plus `maxLogLines` orphan lines and `maxFinished` finished request ids.
 */
import type { InvocationStatus, InvocationSummary } from '../pipeline';
import { BoundedSet } from '../util/bounded-set';
import { Counters } from '../util/counters';

export interface TelemetryLimits {
  maxOpen: number;
  maxLogLines: number;
  maxLineChars: number;
  maxFinished: number;
}
export const DEFAULT_TELEMETRY_LIMITS: TelemetryLimits = {
  maxOpen: 64,
  maxLogLines: 20,
  maxLineChars: 512,
  maxFinished: 256,
};

export interface TelemetryCallbacks {
  onStart?(requestId: string): void;
  onRuntimeDone?(requestId: string, status: InvocationStatus): void;
  onSummary(summary: InvocationSummary): void;
}

interface OpenInvocation {
  requestId: string;
  status?: InvocationStatus;
  errorType?: string;
  runtimeDurationMs?: number;
  runtimeDone: boolean;
  logTail: string[];
}

const STATUSES = new Set<InvocationStatus>(['success', 'error', 'timeout', 'failure']);
/** Known platform event types we read nothing from; counted apart from unknown types. */
const IGNORED_TYPES = new Set([
  'platform.initStart',
  'platform.initRuntimeDone',
  'platform.telemetrySubscription',
  'platform.extension',
  'platform.restoreStart',
  'platform.restoreRuntimeDone',
  'platform.restoreReport',
  'extension',
]);

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const reqId = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 && v.length <= 64 ? v : undefined;
const shortStr = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, 128) : undefined);

export class TelemetryAggregator {
  readonly counters: Counters;
  private readonly open = new Map<string, OpenInvocation>();
  private readonly finished: BoundedSet<string>;
  private orphanLines: string[] = [];
  private active?: string;
  private initDurationMs?: number;

  constructor(
    private readonly cb: TelemetryCallbacks,
    private readonly limits: TelemetryLimits = DEFAULT_TELEMETRY_LIMITS,
    counters?: Counters,
  ) {
    this.counters = counters ?? new Counters();
    this.finished = new BoundedSet(limits.maxFinished);
  }

  /** Feeds one delivered batch (already JSON-parsed). Returns false when the batch itself is not an array. */
  ingestBatch(batch: unknown): boolean {
    if (!Array.isArray(batch)) {
      this.counters.inc('telemetry_bad_batch');
      return false;
    }
    for (const ev of batch) this.ingestEvent(ev);
    return true;
  }

  /** Invocations started or finished on the platform whose report has not arrived yet. */
  get openCount(): number {
    return this.open.size;
  }
  get orphanLineCount(): number {
    return this.orphanLines.length;
  }
  hasOpenInvocations(): boolean {
    return this.open.size > 0;
  }

  /** At SHUTDOWN: finish every open invocation with what is known (no report will come any more). */
  flush(): void {
    for (const inv of [...this.open.values()]) this.finish(inv, undefined);
  }

  private ingestEvent(ev: unknown): void {
    if (!isRec(ev) || typeof ev.type !== 'string') {
      this.counters.inc('telemetry_bad_event');
      return;
    }
    const record = ev.record;
    switch (ev.type) {
      case 'function':
        this.onFunctionLog(record);
        return;
      case 'platform.start':
        this.withRecord(record, (r) => this.onStart(r));
        return;
      case 'platform.runtimeDone':
        this.withRecord(record, (r) => this.onRuntimeDone(r));
        return;
      case 'platform.report':
        this.withRecord(record, (r) => this.onReport(r));
        return;
      case 'platform.initReport':
        this.withRecord(record, (r) => {
          const d = isRec(r.metrics) ? num(r.metrics.durationMs) : undefined;
          if (d !== undefined) this.initDurationMs = d;
          return true;
        });
        return;
      case 'platform.logsDropped':
        this.withRecord(record, (r) => {
          this.counters.inc('telemetry_logs_dropped_events');
          this.counters.inc('telemetry_logs_dropped_records', num(r.droppedRecords) ?? 0);
          this.counters.inc('telemetry_logs_dropped_bytes', num(r.droppedBytes) ?? 0);
          return true;
        });
        return;
      default:
        this.counters.inc(IGNORED_TYPES.has(ev.type) ? 'telemetry_ignored' : 'telemetry_unknown_type');
    }
  }

  private withRecord(record: unknown, handle: (r: Rec) => boolean): void {
    if (!isRec(record) || !handle(record)) this.counters.inc('telemetry_bad_record');
  }

  private getOrOpen(requestId: string): OpenInvocation | undefined {
    let inv = this.open.get(requestId);
    if (inv) return inv;
    if (this.finished.has(requestId)) return undefined; // late duplicate
    if (this.open.size >= this.limits.maxOpen) {
      // Evict the oldest: a flood of made-up ids must not grow state. Its summary is dropped, not invented.
      const oldest = this.open.keys().next().value as string;
      this.open.delete(oldest);
      this.counters.inc('telemetry_evicted');
    }
    inv = { requestId, runtimeDone: false, logTail: this.orphanLines };
    this.orphanLines = [];
    this.open.set(requestId, inv);
    return inv;
  }

  private onStart(r: Rec): boolean {
    const id = reqId(r.requestId);
    if (!id) return false;
    if (this.getOrOpen(id)) {
      this.active = id;
      this.cb.onStart?.(id);
    } else this.counters.inc('telemetry_duplicate');
    return true;
  }

  private onRuntimeDone(r: Rec): boolean {
    const id = reqId(r.requestId);
    const status = r.status as InvocationStatus;
    if (!id || !STATUSES.has(status)) return false;
    const inv = this.getOrOpen(id);
    if (this.active === id) this.active = undefined;
    if (!inv) {
      this.counters.inc('telemetry_duplicate');
      return true;
    }
    inv.runtimeDone = true;
    inv.status = status;
    inv.errorType = shortStr(r.errorType) ?? inv.errorType;
    inv.runtimeDurationMs = isRec(r.metrics) ? num(r.metrics.durationMs) : undefined;
    this.cb.onRuntimeDone?.(id, status);
    return true;
  }

  private onReport(r: Rec): boolean {
    const id = reqId(r.requestId);
    const status = r.status as InvocationStatus;
    if (!id || !STATUSES.has(status)) return false;
    const inv = this.getOrOpen(id);
    if (!inv) {
      this.counters.inc('telemetry_duplicate');
      return true;
    }
    if (this.active === id) this.active = undefined;
    // The report's status is the platform's final word (e.g. an extension failure after a successful runtime).
    inv.status = status;
    inv.errorType = shortStr(r.errorType) ?? inv.errorType;
    this.finish(inv, isRec(r.metrics) ? r.metrics : {});
    return true;
  }

  private finish(inv: OpenInvocation, metrics: Rec | undefined): void {
    this.open.delete(inv.requestId);
    this.finished.add(inv.requestId);
    if (this.active === inv.requestId) this.active = undefined;
    const summary: InvocationSummary = {
      requestId: inv.requestId,
      // No runtimeDone and no report before SHUTDOWN: the runtime never finished this request.
      status: inv.status ?? 'failure',
    };
    if (inv.errorType) summary.errorType = inv.errorType;
    else if (!inv.status) summary.errorType = 'Sentinel.NoRuntimeDone';
    const duration = num(metrics?.durationMs) ?? inv.runtimeDurationMs;
    if (duration !== undefined) summary.durationMs = duration;
    const billed = num(metrics?.billedDurationMs);
    if (billed !== undefined) summary.billedDurationMs = billed;
    const mem = num(metrics?.memorySizeMB);
    if (mem !== undefined) summary.memorySizeMB = mem;
    const maxMem = num(metrics?.maxMemoryUsedMB);
    if (maxMem !== undefined) summary.maxMemoryUsedMB = maxMem;
    const init = num(metrics?.initDurationMs) ?? this.initDurationMs;
    if (init !== undefined) summary.initDurationMs = init;
    this.initDurationMs = undefined; // belongs to the first invocation after init only
    if (inv.logTail.length > 0) summary.logTail = inv.logTail;
    this.cb.onSummary(summary);
  }

  private onFunctionLog(record: unknown): void {
    let line: string;
    let id: string | undefined;
    if (typeof record === 'string') {
      line = record;
      // Text format: "<time>\t<requestId>\t<LEVEL>\t<message>"
      const parts = record.split('\t', 3);
      if (parts.length >= 3) id = reqId(parts[1]);
    } else if (isRec(record)) {
      id = reqId(record.requestId);
      line = typeof record.message === 'string' ? record.message : safeJson(record, this.limits.maxLineChars);
    } else {
      this.counters.inc('telemetry_bad_record');
      return;
    }
    if (line.length > this.limits.maxLineChars) line = `${line.slice(0, this.limits.maxLineChars - 1)}…`;
    const target =
      (id !== undefined ? this.open.get(id) : undefined) ?? (this.active ? this.open.get(this.active) : undefined);
    const tail = target ? target.logTail : this.orphanLines;
    tail.push(line);
    if (tail.length > this.limits.maxLogLines) tail.splice(0, tail.length - this.limits.maxLogLines);
  }
}

function safeJson(v: unknown, max: number): string {
  try {
    return JSON.stringify(v).slice(0, max);
  } catch {
    return '[unserialisable log record]';
  }
}
