/**
 * The code baseline of a function version in the incident table: the task root's `path → hash` map as gzip'd
 * JSON chunks (`BASE#task#0000`, …; each chunk well under DynamoDB's 400 KB item limit). All chunks of one write
 * share a random `generation`; a read accepts only a complete set of one generation (a concurrent writer cannot
 * make us compare against a mix). Reads are one Query on the version's partition (never a Scan).
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { withRetry } from '../record/aws';
import { TTL_ATTRIBUTE } from '../record/keys';
import type { StoredIdentity } from './code-identity';
import { baselineSk, baselineSkPrefix, posturePk } from './keys';

export interface Baseline {
  files: Record<string, string>;
  /** The walk that produced it covered the whole tree. */
  complete: boolean;
  digest: string;
  createdAt: string;
  environmentId: string;
  /** The control plane's description of the code these files are (absent when it could not be read). */
  code?: StoredIdentity;
  /** Set by load(): the write these chunks belong to. */
  generation?: string;
}

const ENTRIES_PER_CHUNK = 2000;

export interface BaselineStoreOptions {
  ddb: () => DynamoDBDocumentClient;
  table: string;
  functionName: string;
  version: string;
  ttlDays: number;
  root?: string;
}

export class BaselineStore {
  constructor(private readonly o: BaselineStoreOptions) {}

  private get root(): string {
    return this.o.root ?? 'task';
  }

  async load(deadline: number): Promise<Baseline | undefined> {
    const { QueryCommand } = require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb');
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await withRetry(
        (abortSignal) =>
          this.o.ddb().send(
            new QueryCommand({
              TableName: this.o.table,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
              ExpressionAttributeValues: {
                ':pk': posturePk(this.o.functionName, this.o.version),
                ':prefix': baselineSkPrefix(this.root),
              },
              ConsistentRead: true,
              ExclusiveStartKey: start,
            }),
            { abortSignal },
          ),
        { deadline, maxAttempts: 4 },
      );
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
      start = page.LastEvaluatedKey;
    } while (start);
    const head = items.find((i) => i.chunk === 0);
    if (!head) return undefined;
    const gen = head.generation;
    const chunks = Number(head.chunks);
    const mine = items.filter((i) => i.generation === gen).sort((a, b) => Number(a.chunk) - Number(b.chunk));
    if (mine.length !== chunks) return undefined;
    const files: Record<string, string> = {};
    for (const it of mine) {
      const data = it.data as Uint8Array;
      Object.assign(files, JSON.parse(gunzipSync(Buffer.from(data)).toString('utf8')) as Record<string, string>);
    }
    return {
      files,
      complete: head.complete === true,
      digest: String(head.digest),
      createdAt: String(head.createdAt),
      environmentId: String(head.environmentId),
      generation: String(gen),
      ...(typeof head.codeSha256 === 'string'
        ? {
            code: {
              codeSha256: head.codeSha256,
              lastModified: String(head.codeLastModified ?? ''),
              revisionId: String(head.codeRevisionId ?? ''),
              settled: head.codeSettled === true,
            },
          }
        : {}),
    };
  }

  /**
   * A later environment, known to run this code, confirmed the files: marks the stored pairing of files and
   * CodeSha256 as settled (only if the head is still that write's).
   */
  async markSettled(b: Baseline, deadline: number): Promise<void> {
    const { UpdateCommand } = require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb');
    try {
      await withRetry(
        (abortSignal) =>
          this.o.ddb().send(
            new UpdateCommand({
              TableName: this.o.table,
              Key: { pk: posturePk(this.o.functionName, this.o.version), sk: baselineSk(this.root, 0) },
              UpdateExpression: 'SET codeSettled = :t',
              ConditionExpression: 'generation = :g AND codeSha256 = :s',
              ExpressionAttributeValues: { ':t': true, ':g': b.generation, ':s': b.code?.codeSha256 },
            }),
            { abortSignal },
          ),
        { deadline, maxAttempts: 3 },
      );
    } catch (e) {
      // Another environment wrote a newer baseline meanwhile: nothing to mark.
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
  }

  /** Writes all chunks; the head chunk (0) last, so a reader never sees a head without its chunks. */
  async save(b: Baseline, deadline: number): Promise<void> {
    const { PutCommand } = require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb');
    const entries = Object.entries(b.files).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const parts: Record<string, string>[] = [];
    for (let i = 0; i < entries.length || parts.length === 0; i += ENTRIES_PER_CHUNK)
      parts.push(Object.fromEntries(entries.slice(i, i + ENTRIES_PER_CHUNK)));
    const generation = randomUUID();
    const ttl = Math.floor(Date.now() / 1000) + this.o.ttlDays * 86_400;
    const put = (chunk: number) =>
      withRetry(
        (abortSignal) =>
          this.o.ddb().send(
            new PutCommand({
              TableName: this.o.table,
              Item: {
                pk: posturePk(this.o.functionName, this.o.version),
                sk: baselineSk(this.root, chunk),
                type: 'posture_baseline',
                root: this.root,
                generation,
                chunk,
                chunks: parts.length,
                complete: b.complete,
                digest: b.digest,
                files: entries.length,
                createdAt: b.createdAt,
                environmentId: b.environmentId,
                ...(b.code
                  ? {
                      codeSha256: b.code.codeSha256,
                      codeLastModified: b.code.lastModified,
                      codeRevisionId: b.code.revisionId,
                      codeSettled: b.code.settled,
                    }
                  : {}),
                data: gzipSync(JSON.stringify(parts[chunk])),
                [TTL_ATTRIBUTE]: ttl,
              },
            }),
            { abortSignal },
          ),
        { deadline, maxAttempts: 4 },
      );
    for (let c = 1; c < parts.length; c++) await put(c);
    await put(0);
  }
}
