/**
 * Fleet-wide threshold counters: atomic ADD on the rule's current time bucket, then a Query over the buckets
 * that cover the window. Every execution environment of the function writes the same items, so the sum is the
 * count across all of them.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FleetCounter } from '../correlate/types';
import { withRetry } from './aws';
import { bucketStart, counterPk, counterSk, TTL_ATTRIBUTE } from './keys';

export class DynamoFleetCounter implements FleetCounter {
  constructor(
    private readonly ddb: () => DynamoDBDocumentClient,
    private readonly table: string,
    private readonly functionName: string,
    /** Deadline for one addAndCount (epoch ms), supplied per call by the caller's budget. */
    private readonly deadline: () => number,
  ) {}

  async addAndCount(
    ruleId: string,
    atMs: number,
    delta: number,
    windowSeconds: number,
    bucketSeconds: number,
  ): Promise<number> {
    const { QueryCommand, UpdateCommand } = require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb');
    const pk = counterPk(this.functionName, ruleId);
    const current = bucketStart(atMs, bucketSeconds);
    // Buckets whose start lies within (at - window, at]: the window's edge is approximated by whole buckets.
    const first = bucketStart(atMs - windowSeconds * 1000, bucketSeconds) + bucketSeconds;
    const ttl = current + windowSeconds + bucketSeconds + 3600;
    const deadline = this.deadline();
    const updated = await withRetry(
      (abortSignal) =>
        this.ddb().send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk, sk: counterSk(bucketSeconds, current) },
            UpdateExpression: 'ADD n :d SET #ttl = :ttl',
            ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
            ExpressionAttributeValues: { ':d': delta, ':ttl': ttl },
            ReturnValues: 'UPDATED_NEW',
          }),
          { abortSignal },
        ),
      { deadline },
    );
    const inBucket = Number(updated.Attributes?.n ?? delta);
    if (first >= current) return inBucket;
    const q = await withRetry(
      (abortSignal) =>
        this.ddb().send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
            ExpressionAttributeValues: {
              ':pk': pk,
              ':a': counterSk(bucketSeconds, first),
              ':b': counterSk(bucketSeconds, current),
            },
            ConsistentRead: true,
          }),
          { abortSignal },
        ),
      { deadline },
    );
    let sum = 0;
    for (const it of q.Items ?? []) sum += Number(it.n ?? 0);
    // The Query sees our own ADD (consistent read); never report less than the bucket we just updated.
    return Math.max(sum, inBucket);
  }
}
