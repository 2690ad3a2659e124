/**
 * Incident persistence: incidents are queued in memory and written in batches (BatchWriteItem, 25 items per
 * request, several requests in flight) before event/next and at SHUTDOWN. A write that fails stays queued for
 * the next flush; what is still unwritten at the end is reported with exact counts by the caller.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import { errorInfo, withRetry } from './aws';
import { incidentPk, incidentSk, incidentSkSince, TTL_ATTRIBUTE } from './keys';
import type { AuditRecord, Incident } from './types';

const BATCH_SIZE = 25; // DynamoDB's BatchWriteItem limit
const CONCURRENCY = 20;
/** Bound on queued incidents; beyond it the oldest are dropped and counted (an attack flood must not OOM us). */
const MAX_QUEUED = 10_000;

export interface FlushResult {
  written: number;
  failed: number;
  /** Still queued after this flush (failed + dirtied again during it). */
  pending: number;
}

export type StoredItem = (Incident | AuditRecord) & { pk: string; sk: string; [TTL_ATTRIBUTE]: number };

export function toItem(r: Incident | AuditRecord, ttlDays: number): StoredItem {
  const ttl = Math.floor(Date.parse(r.createdAt) / 1000) + ttlDays * 86_400;
  return { ...r, pk: incidentPk(r.function), sk: incidentSk(r.createdAt, r.id), [TTL_ATTRIBUTE]: ttl };
}

export class IncidentStore {
  /** id → (record, version): the version lets a flush tell whether a record changed while it was written. */
  private readonly dirty = new Map<string, { rec: Incident | AuditRecord; version: number }>();
  private version = 0;
  droppedOverflow = 0;
  writtenTotal = 0;

  constructor(
    private readonly ddb: () => DynamoDBDocumentClient,
    private readonly table: string,
    private readonly ttlDays: number,
    private readonly log: Logger,
  ) {}

  /** Queues (or re-queues, after an update) a record for the next flush. */
  enqueue(rec: Incident | AuditRecord): void {
    if (!this.dirty.has(rec.id) && this.dirty.size >= MAX_QUEUED) {
      const oldest = this.dirty.keys().next().value as string;
      this.dirty.delete(oldest);
      this.droppedOverflow++;
    }
    this.dirty.set(rec.id, { rec, version: ++this.version });
  }

  isPending(id: string): boolean {
    return this.dirty.has(id);
  }

  get pendingCount(): number {
    return this.dirty.size;
  }

  /** Writes every queued record before `deadline` (epoch ms). Never throws. */
  async flush(deadline: number): Promise<FlushResult> {
    if (this.dirty.size === 0) return { written: 0, failed: 0, pending: 0 };
    const snapshot = [...this.dirty.entries()];
    const batches: (typeof snapshot)[] = [];
    for (let i = 0; i < snapshot.length; i += BATCH_SIZE) batches.push(snapshot.slice(i, i + BATCH_SIZE));
    let written = 0;
    let failed = 0;
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        const ok = await this.writeBatch(
          batch.map(([, v]) => v.rec),
          deadline,
        );
        for (const [id, v] of batch) {
          if (ok.has(id)) {
            written++;
            if (this.dirty.get(id)?.version === v.version) this.dirty.delete(id);
          } else failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, batches.length) }, worker));
    this.writtenTotal += written;
    return { written, failed, pending: this.dirty.size };
  }

  /** One batch with retries; unprocessed items are resubmitted. Returns the ids that were stored. */
  private async writeBatch(recs: (Incident | AuditRecord)[], deadline: number): Promise<Set<string>> {
    const stored = new Set<string>();
    const { BatchWriteCommand, PutCommand } =
      require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb');
    let todo = recs.map((r) => toItem(r, this.ttlDays));
    try {
      if (todo.length === 1) {
        const item = todo[0];
        await withRetry(
          (abortSignal) => this.ddb().send(new PutCommand({ TableName: this.table, Item: item }), { abortSignal }),
          {
            deadline,
            onRetry: (e, attempt) =>
              this.log.warn(
                { evt: 'aws_retry', op: 'PutItem', attempt, error: errorInfo(e) },
                'retrying incident write',
              ),
          },
        );
        stored.add(item.id);
        return stored;
      }
      await withRetry(
        async (abortSignal) => {
          const out = await this.ddb().send(
            new BatchWriteCommand({ RequestItems: { [this.table]: todo.map((Item) => ({ PutRequest: { Item } })) } }),
            { abortSignal },
          );
          const unprocessed = new Set(
            (out.UnprocessedItems?.[this.table] ?? []).map((r) => (r.PutRequest?.Item as StoredItem | undefined)?.id),
          );
          for (const it of todo) if (!unprocessed.has(it.id)) stored.add(it.id);
          todo = todo.filter((it) => unprocessed.has(it.id));
          if (todo.length > 0)
            throw Object.assign(new Error(`${todo.length} unprocessed item(s)`), { name: 'ThrottlingException' });
        },
        {
          deadline,
          onRetry: (e, attempt) =>
            this.log.warn(
              { evt: 'aws_retry', op: 'BatchWriteItem', attempt, items: todo.length, error: errorInfo(e) },
              'retrying incident batch',
            ),
        },
      );
    } catch (e) {
      this.log.warn(
        { evt: 'aws_error', op: 'BatchWriteItem', items: todo.length, error: errorInfo(e) },
        'incident write failed; kept for the next flush',
      );
    }
    return stored;
  }
}

/** Incidents (and audit records) of one function since `sinceIso`, newest first. Query only, never Scan. */
export async function queryIncidents(
  ddb: DynamoDBDocumentClient,
  table: string,
  functionName: string,
  sinceIso: string,
  opts: { limit?: number; nowMs?: number; deadline?: number } = {},
): Promise<StoredItem[]> {
  const { QueryCommand } = require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb');
  const out: StoredItem[] = [];
  const limit = opts.limit ?? 1000;
  const now = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  let start: Record<string, unknown> | undefined;
  do {
    const page = await withRetry(
      (abortSignal) =>
        ddb.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk AND sk >= :since',
            // DynamoDB removes expired items lazily: hide the ones already past their TTL.
            FilterExpression: '#ttl > :now',
            ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
            ExpressionAttributeValues: {
              ':pk': incidentPk(functionName),
              ':since': incidentSkSince(sinceIso),
              ':now': now,
            },
            ScanIndexForward: false,
            ExclusiveStartKey: start,
          }),
          { abortSignal },
        ),
      { deadline: opts.deadline ?? Date.now() + 10_000 },
    );
    for (const it of page.Items ?? []) if (out.length < limit) out.push(it as StoredItem);
    start = page.LastEvaluatedKey;
  } while (start && out.length < limit);
  return out;
}
