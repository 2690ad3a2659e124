/**
 * Metrics: counters aggregated in memory, emitted as CloudWatch Embedded Metric Format lines (no network call)
 * at each flush, or — with SENTINEL_METRICS=api — collected and sent with PutMetricData in batches at SHUTDOWN.
 */
import type { CloudWatchClient, MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { Logger } from 'pino';
import type { MetricsMode } from '../../../protocol/config';
import { errorInfo, withRetry } from './aws';

export type MetricName = 'Findings' | 'Incidents' | 'Actions' | 'DroppedFindings' | 'AgentSilence' | 'DeliveryFailures';

/** Dimension names beside FunctionName, per metric (one EMF dimension set each). */
const DIMENSIONS: Record<MetricName, string[]> = {
  Findings: ['Category', 'Severity'],
  Incidents: ['Category', 'Severity'],
  Actions: ['Action', 'Result'],
  DroppedFindings: [],
  AgentSilence: [],
  DeliveryFailures: ['Kind'],
};

const MAX_DATUMS_PER_CALL = 1000;
/** Bound on datums kept for the API mode (one per metric+dimensions per flush). */
const MAX_API_DATUMS = 20_000;

export class MetricsRecorder {
  private counts = new Map<string, { name: MetricName; dims: Record<string, string>; value: number }>();
  private apiQueue: MetricDatum[] = [];
  droppedDatums = 0;

  constructor(
    private readonly mode: MetricsMode,
    private readonly namespace: string,
    private readonly functionName: string,
    private readonly log: Logger,
    private readonly cloudwatch: () => CloudWatchClient,
  ) {}

  add(name: MetricName, dims: Record<string, string> = {}, value = 1): void {
    if (this.mode === 'off' || value === 0) return;
    const key = `${name}|${DIMENSIONS[name].map((d) => dims[d] ?? '').join('|')}`;
    const e = this.counts.get(key);
    if (e) e.value += value;
    else this.counts.set(key, { name, dims, value });
  }

  /** Emits what was counted since the last flush: EMF lines now, or datums queued for PutMetricData. */
  flush(nowMs = Date.now()): void {
    if (this.counts.size === 0) return;
    const entries = [...this.counts.values()];
    this.counts = new Map();
    if (this.mode === 'emf') {
      for (const e of entries) {
        const dimNames = ['FunctionName', ...DIMENSIONS[e.name]];
        // CloudWatch alarms match the whole dimension set: also publish the per-function rollup [FunctionName].
        const sets = dimNames.length > 1 ? [dimNames, ['FunctionName']] : [dimNames];
        this.log.info(
          {
            evt: 'metrics',
            _aws: {
              Timestamp: nowMs,
              CloudWatchMetrics: [
                { Namespace: this.namespace, Dimensions: sets, Metrics: [{ Name: e.name, Unit: 'Count' }] },
              ],
            },
            FunctionName: this.functionName,
            ...Object.fromEntries(DIMENSIONS[e.name].map((d) => [d, e.dims[d] ?? 'none'])),
            [e.name]: e.value,
          },
          'metrics',
        );
      }
    } else if (this.mode === 'api') {
      const rollup = new Map<MetricName, number>();
      const push = (d: MetricDatum) => {
        if (this.apiQueue.length >= MAX_API_DATUMS) this.droppedDatums++;
        else this.apiQueue.push(d);
      };
      const fnDim = { Name: 'FunctionName', Value: this.functionName };
      for (const e of entries) {
        const dims = DIMENSIONS[e.name].map((d) => ({ Name: d, Value: e.dims[d] ?? 'none' }));
        push({
          MetricName: e.name,
          Unit: 'Count',
          Value: e.value,
          Timestamp: new Date(nowMs),
          Dimensions: [fnDim, ...dims],
        });
        if (dims.length > 0) rollup.set(e.name, (rollup.get(e.name) ?? 0) + e.value);
      }
      // CloudWatch alarms match the whole dimension set: one per-function datum per metric too.
      for (const [name, value] of rollup)
        push({ MetricName: name, Unit: 'Count', Value: value, Timestamp: new Date(nowMs), Dimensions: [fnDim] });
    }
  }

  get queuedDatums(): number {
    return this.apiQueue.length;
  }

  /** API mode: sends queued datums (batched, in parallel) before `deadline`. Returns how many were not sent. */
  async send(deadline: number): Promise<{ sent: number; failed: number }> {
    if (this.mode !== 'api' || this.apiQueue.length === 0) return { sent: 0, failed: 0 };
    const { PutMetricDataCommand } =
      require('@aws-sdk/client-cloudwatch') as typeof import('@aws-sdk/client-cloudwatch');
    const queue = this.apiQueue;
    this.apiQueue = [];
    const chunks: MetricDatum[][] = [];
    for (let i = 0; i < queue.length; i += MAX_DATUMS_PER_CALL) chunks.push(queue.slice(i, i + MAX_DATUMS_PER_CALL));
    let sent = 0;
    let failed = 0;
    await Promise.all(
      chunks.map(async (MetricData) => {
        try {
          await withRetry(
            (abortSignal) =>
              this.cloudwatch().send(new PutMetricDataCommand({ Namespace: this.namespace, MetricData }), {
                abortSignal,
              }),
            { deadline },
          );
          sent += MetricData.length;
        } catch (e) {
          failed += MetricData.length;
          this.apiQueue.push(...MetricData);
          this.log.warn(
            { evt: 'aws_error', op: 'PutMetricData', datums: MetricData.length, error: errorInfo(e) },
            'metrics not sent',
          );
        }
      }),
    );
    return { sent, failed };
  }
}
