/**
 * Set-up and read-back against the local AWS stand-ins, with the real SDK clients (the same calls a security engineer
 * would make against AWS): the incident table, the alert queue subscribed to the topic, the Slack receiver.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsStack } from '../sandbox/aws';

export { createIncidentTable } from '../sandbox/aws/incident-table';

export type TableItem = Record<string, unknown> & { pk: string; sk: string; type?: string };

/** Everything stored for one function (incidents and audit records): a Query on pk, never a Scan. */
export async function queryFunctionItems(stack: AwsStack, table: string, fn: string): Promise<TableItem[]> {
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: stack.region, endpoint: stack.endpoints.dynamodb }),
  );
  try {
    const items: TableItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `FN#${fn}` },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      items.push(...((page.Items ?? []) as TableItem[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  } finally {
    doc.destroy();
  }
}

export interface SnsEnvelope {
  Subject?: string;
  Message: string;
  MessageId: string;
  Timestamp: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** SNS notifications (raw delivery off) waiting in the queue; deletes what it read. */
export async function receiveSnsMessages(stack: AwsStack, queueUrl: string): Promise<SnsEnvelope[]> {
  const sqs = new SQSClient({ region: stack.region, endpoint: stack.endpoints.sqs });
  try {
    const out: SnsEnvelope[] = [];
    for (;;) {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
      const msgs = r.Messages ?? [];
      if (msgs.length === 0) return out;
      for (const m of msgs) out.push(JSON.parse(m.Body ?? '{}') as SnsEnvelope);
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
  } finally {
    sqs.destroy();
  }
}

/**
 * The readable text of a Slack message: the fallback `text` and every text of its blocks, in order, with Slack's
 * own escapes (`&lt;` `&gt;` `&amp;`) decoded as a Slack client shows them.
 */
export function slackText(msg: unknown): string {
  const parts: string[] = [];
  const slackDecode = (t: string) => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const walk = (v: unknown, key?: string) => {
    if (typeof v === 'string') {
      if (key === 'text') parts.push(slackDecode(v));
    } else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(msg);
  return [...new Set(parts)].join('\n');
}

/** Polls `probe` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined || Date.now() >= deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}
