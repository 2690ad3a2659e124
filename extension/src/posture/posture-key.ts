/**
 * The key of the value hashes in posture findings. A plain sha256 of a short password is brute-forced in
 * seconds; an HMAC under a random key is not. With an incident table the key is per function (created once
 * with a conditional Put, read with GetItem), so every environment of the function hashes a secret the same way
 * and a rotated secret shows as a different hash. Without a table (or when the table is unreachable) the key is
 * random per environment: hashes then only compare within one environment (`scope: 'environment'`).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ErrorInfo, errorInfo, withRetry } from '../record/aws';
import { postureKeyItem } from './keys';

export interface PostureKey {
  scope: 'function' | 'environment';
  hash(value: string | Buffer): string;
  error?: ErrorInfo;
}

export const SHORT_HASH_HEX = 12;

export function keyedHasher(key: Buffer, scope: PostureKey['scope']): PostureKey {
  return {
    scope,
    hash: (value) => createHmac('sha256', key).update(value).digest('hex').slice(0, SHORT_HASH_HEX),
  };
}

export function environmentKey(): PostureKey {
  return keyedHasher(randomBytes(32), 'environment');
}

/** Reads (or creates) the per-function key. Never throws: falls back to an environment key. */
export async function loadPostureKey(
  ddb: () => DynamoDBDocumentClient,
  table: string,
  functionName: string,
  deadline: number,
): Promise<PostureKey> {
  const { GetCommand, PutCommand } = require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb');
  const keys = postureKeyItem(functionName);
  const read = async (): Promise<Buffer | undefined> => {
    const out = await withRetry(
      (abortSignal) =>
        ddb().send(new GetCommand({ TableName: table, Key: keys, ConsistentRead: true }), { abortSignal }),
      { deadline, maxAttempts: 3 },
    );
    const k = out.Item?.key;
    return typeof k === 'string' && k.length >= 40 ? Buffer.from(k, 'base64') : undefined;
  };
  try {
    const existing = await read();
    if (existing) return keyedHasher(existing, 'function');
    const fresh = randomBytes(32);
    try {
      await withRetry(
        (abortSignal) =>
          ddb().send(
            new PutCommand({
              TableName: table,
              Item: {
                ...keys,
                type: 'posture_key',
                key: fresh.toString('base64'),
                createdAt: new Date().toISOString(),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
            { abortSignal },
          ),
        { deadline, maxAttempts: 3 },
      );
      return keyedHasher(fresh, 'function');
    } catch (e) {
      // Another environment created it first: use theirs.
      if (errorInfo(e).name !== 'ConditionalCheckFailedException') throw e;
      const theirs = await read();
      if (theirs) return keyedHasher(theirs, 'function');
      throw e;
    }
  } catch (e) {
    return { ...environmentKey(), error: errorInfo(e) };
  }
}
