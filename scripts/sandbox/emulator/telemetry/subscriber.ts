/**
 * One Telemetry API subscriber: its own buffer, batches cut at maxItems / maxBytes / timeoutMs, at most one batch in
 * flight. While a batch is being delivered the buffer keeps filling up to 2 × maxItems / 2 × maxBytes (the docs say
 * to expect bodies up to 2 × maxBytes); records beyond that, and batches whose delivery fails, are dropped and
 * reported to the subscriber as `platform.logsDropped` (lambda-platform.md §3.2).
 */
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { LOGS_DROPPED_SLOW_REASON, type TelemetryType } from '../constants';
import { type HubEvent, isoNow, renderEvent, type TelemetryEvent } from './events';
import type { SubscriptionConfig } from './subscription';

/** How long a listener may take to answer one POST before the batch counts as failed. */
const DELIVERY_TIMEOUT_MS = 5_000;

export interface SubscriberSummary {
  name: string;
  schemaVersion: string;
  types: TelemetryType[];
  buffering: SubscriptionConfig['buffering'];
  destination: string;
  batches: number;
  /** Events in delivery order (only batches the listener acknowledged). */
  events: TelemetryEvent[];
  /** Number of events in each delivered batch. */
  batchSizes: number[];
  droppedRecords: number;
  droppedBytes: number;
  deliveryErrors: string[];
}

export class Subscriber {
  private buffer: { ev: TelemetryEvent; bytes: number }[] = [];
  private bufferBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** timeoutMs elapsed (or a flush was asked for): the next pump sends even a partial batch. */
  private due = false;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  private drop = { records: 0, bytes: 0, reason: '' };
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private tcp: Socket | undefined;
  private readonly summary: SubscriberSummary;

  constructor(
    readonly name: string,
    readonly config: SubscriptionConfig,
    private readonly logFormat: 'Text' | 'JSON',
    /** Called with every logsDropped event produced for this subscriber (for the platform's own record). */
    private readonly onDropped: (ev: TelemetryEvent) => void,
  ) {
    const d = config.destination;
    this.summary = {
      name,
      schemaVersion: config.schemaVersion,
      types: config.types,
      buffering: config.buffering,
      destination: d.protocol === 'HTTP' ? d.uri : `tcp://127.0.0.1:${d.port}`,
      batches: 0,
      events: [],
      batchSizes: [],
      droppedRecords: 0,
      droppedBytes: 0,
      deliveryErrors: [],
    };
  }

  accepts(ev: HubEvent): boolean {
    return this.config.types.includes(ev.category);
  }

  push(ev: HubEvent): void {
    if (this.stopped || !this.accepts(ev)) return;
    this.append(renderEvent(ev, this.config.schemaVersion, this.logFormat));
  }

  private append(ev: TelemetryEvent, bypassCap = false): void {
    const bytes = Buffer.byteLength(JSON.stringify(ev));
    const { maxItems, maxBytes, timeoutMs } = this.config.buffering;
    if (!bypassCap && (this.buffer.length >= 2 * maxItems || this.bufferBytes + bytes > 2 * maxBytes)) {
      this.recordDrop(1, bytes, LOGS_DROPPED_SLOW_REASON);
      return;
    }
    this.buffer.push({ ev, bytes });
    this.bufferBytes += bytes;
    if (!this.timer && !this.due) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.due = true;
        this.pump();
      }, timeoutMs);
    }
    this.pump();
  }

  /** Sends the next batch when none is in flight and the buffer is full or due. */
  private pump(): void {
    if (this.inFlight || this.stopped || this.buffer.length === 0) return;
    const { maxItems, maxBytes, timeoutMs } = this.config.buffering;
    if (!this.due && this.buffer.length < maxItems && this.bufferBytes < maxBytes) return;
    const batch: TelemetryEvent[] = [];
    let bytes = 0;
    while (this.buffer.length > 0 && batch.length < maxItems && bytes < maxBytes) {
      const next = this.buffer.shift() as { ev: TelemetryEvent; bytes: number };
      batch.push(next.ev);
      bytes += next.bytes;
    }
    this.bufferBytes -= bytes;
    this.due = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length > 0) {
      // What stays buffered starts a new batch now.
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.due = true;
        this.pump();
      }, timeoutMs);
    }
    this.inFlight = this.deliver(batch, bytes).finally(() => {
      this.inFlight = undefined;
      this.reportDrops();
      this.pump();
    });
  }

  private async deliver(batch: TelemetryEvent[], bytes: number): Promise<void> {
    try {
      await (this.config.destination.protocol === 'HTTP' ? this.post(batch) : this.writeTcp(batch));
      this.summary.batches += 1;
      this.summary.batchSizes.push(batch.length);
      this.summary.events.push(...batch);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      this.summary.deliveryErrors.push(msg);
      this.recordDrop(batch.length, bytes, `could not send events: ${msg}`);
    }
  }

  private recordDrop(records: number, bytes: number, reason: string): void {
    this.drop.records += records;
    this.drop.bytes += bytes;
    this.drop.reason = reason;
    this.summary.droppedRecords += records;
    this.summary.droppedBytes += bytes;
  }

  /** Queues one platform.logsDropped for the drops accumulated since the last report. */
  private reportDrops(): void {
    if (this.drop.records === 0 || this.stopped) return;
    const ev: TelemetryEvent = {
      time: isoNow(),
      type: 'platform.logsDropped',
      record: { droppedBytes: this.drop.bytes, droppedRecords: this.drop.records, reason: this.drop.reason },
    };
    this.drop = { records: 0, bytes: 0, reason: '' };
    this.onDropped(ev);
    if (this.config.types.includes('platform')) this.append(ev, true);
  }

  private post(batch: TelemetryEvent[]): Promise<void> {
    const d = this.config.destination;
    if (d.protocol !== 'HTTP') throw new Error('not an HTTP destination');
    const body = Buffer.from(JSON.stringify(batch));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: d.host,
          port: d.port,
          path: d.path || '/',
          method: 'POST',
          agent: this.agent,
          timeout: DELIVERY_TIMEOUT_MS,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': body.length,
            'Sequence-Id': createHash('sha256').update(body).digest('base64'),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 400) reject(new Error(`status ${status}`));
            else resolve();
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('listener did not answer in time')));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** TCP destinations get newline-delimited JSON, one event per line, without acknowledgement. */
  private writeTcp(batch: TelemetryEvent[]): Promise<void> {
    const d = this.config.destination;
    return new Promise((resolve, reject) => {
      const write = (sock: Socket) =>
        sock.write(batch.map((e) => `${JSON.stringify(e)}\n`).join(''), (err) => (err ? reject(err) : resolve()));
      if (this.tcp && !this.tcp.destroyed) return write(this.tcp);
      const sock = connect({ host: '127.0.0.1', port: d.port });
      sock.once('connect', () => {
        this.tcp = sock;
        write(sock);
      });
      sock.once('error', (err) => {
        this.tcp = undefined;
        sock.destroy();
        reject(err);
      });
    });
  }

  /** Sends what is buffered now (the platform flushes when an input stream closes, e.g. at shutdown). */
  flush(): void {
    this.due = true;
    this.pump();
  }

  /** Waits for the batch in flight (if any). */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.agent.destroy();
    this.tcp?.destroy();
  }

  report(): SubscriberSummary {
    return { ...this.summary, events: [...this.summary.events], batchSizes: [...this.summary.batchSizes] };
  }
}
