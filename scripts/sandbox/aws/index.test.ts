/**
 * The stand-ins against the real AWS SDK v3 clients (and fetch for Slack): each service's happy path, its AWS-shaped
 * errors, the call log, and every fault kind with the SDK's retry behaviour as observed on the wire.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createIncidentTable } from './incident-table';
import { type AwsCall, type AwsStack, startAwsStack } from './index';
import { REDACTED } from './redact';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let stack: AwsStack;

function clientConfig(endpoint: string, maxAttempts = 3) {
  return {
    region: stack.region,
    endpoint,
    maxAttempts,
    credentials: { accessKeyId: stack.env.AWS_ACCESS_KEY_ID, secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY },
  };
}

/** Calls logged since `before` for one service. */
function callsSince(before: number, service: AwsCall['service']): AwsCall[] {
  return stack
    .calls()
    .slice(before)
    .filter((c) => c.service === service);
}

async function rejection(
  p: Promise<unknown>,
): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { $metadata?: { httpStatusCode?: number; attempts?: number } };
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  stack = await startAwsStack();
});

afterEach(() => {
  for (const service of ['dynamodb', 'sns', 'lambda', 'cloudwatch', 'slack'] as const)
    stack.setFault(service, { kind: 'none' });
});

afterAll(async () => {
  await stack?.stop();
});

describe('the stack', () => {
  test('exports the standard SDK variables and loopback endpoints', () => {
    for (const key of [
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
    ]) {
      expect(stack.env[key]).toBeTruthy();
    }
    for (const [service, url] of Object.entries(stack.endpoints)) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      if (service !== 'slack') expect(stack.env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`]).toBe(url);
    }
    expect(stack.slackWebhookUrl.startsWith(`${stack.endpoints.slack}/services/`)).toBe(true);
  });

  test('an SDK client configured only through the environment reaches the stand-in', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, stack.env);
    try {
      const client = new LambdaClient({});
      stack.lambda.ensureFunction('env-only', { A: '1' });
      const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'env-only' }));
      expect(config.Environment?.Variables).toEqual({ A: '1' });
    } finally {
      for (const key of Object.keys(stack.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

describe('DynamoDB (dynalite behind the front)', () => {
  test('table with TTL: Put, Get, UpdateItem ADD with a TTL attribute, Query; all logged', async () => {
    const before = stack.calls().length;
    const raw = new DynamoDBClient(clientConfig(stack.endpoints.dynamodb));
    const doc = DynamoDBDocumentClient.from(raw);
    await createIncidentTable(stack, 'incidents');
    const ttl = await raw.send(
      new UpdateTimeToLiveCommand({
        TableName: 'incidents',
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      }),
    );
    expect(ttl.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    const described = await raw.send(new DescribeTimeToLiveCommand({ TableName: 'incidents' }));
    expect(described.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
    const again = await rejection(
      raw.send(
        new UpdateTimeToLiveCommand({
          TableName: 'incidents',
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        }),
      ),
    );
    expect(again.name).toBe('ValidationException');

    const expires = Math.floor(Date.now() / 1000) + 3600;
    await doc.send(
      new PutCommand({ TableName: 'incidents', Item: { pk: 'fn#a', sk: 'i#1', kind: 'ssrf', ttl: expires } }),
    );
    expect((await doc.send(new GetCommand({ TableName: 'incidents', Key: { pk: 'fn#a', sk: 'i#1' } }))).Item).toEqual({
      pk: 'fn#a',
      sk: 'i#1',
      kind: 'ssrf',
      ttl: expires,
    });
    for (let i = 0; i < 2; i++) {
      await doc.send(
        new UpdateCommand({
          TableName: 'incidents',
          Key: { pk: 'fn#a', sk: 'count' },
          UpdateExpression: 'ADD #n :one SET #ttl = :ttl',
          ExpressionAttributeNames: { '#n': 'n', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':one': 1, ':ttl': expires },
        }),
      );
    }
    const query = await doc.send(
      new QueryCommand({
        TableName: 'incidents',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'fn#a' },
      }),
    );
    expect(query.Items).toEqual([
      { pk: 'fn#a', sk: 'count', n: 2, ttl: expires },
      { pk: 'fn#a', sk: 'i#1', kind: 'ssrf', ttl: expires },
    ]);

    const calls = callsSince(before, 'dynamodb');
    expect(calls.map((c) => [c.operation, c.status])).toEqual([
      ['CreateTable', 200],
      ['UpdateTimeToLive', 200],
      ['DescribeTimeToLive', 200],
      ['UpdateTimeToLive', 400],
      ['PutItem', 200],
      ['GetItem', 200],
      ['UpdateItem', 200],
      ['UpdateItem', 200],
      ['Query', 200],
    ]);
    expect(calls[4]?.request).toMatchObject({ TableName: 'incidents', Item: { kind: { S: 'ssrf' } } });
    expect(Number.isNaN(Date.parse(calls[0]?.time ?? ''))).toBe(false);
  });

  test('TTL operations on a missing table fail like AWS', async () => {
    const raw = new DynamoDBClient(clientConfig(stack.endpoints.dynamodb));
    const err = await rejection(raw.send(new DescribeTimeToLiveCommand({ TableName: 'no-such-table' })));
    expect(err.name).toBe('ResourceNotFoundException');
  });
});

describe('SNS → SQS (fauxqs behind the fronts)', () => {
  test('Publish with MessageAttributes reaches the queue in the real SNS envelope', async () => {
    const { topicArn, queueUrl } = await stack.createTopicWithQueue('sentinel-alerts', 'alerts-inbox');
    expect(topicArn).toBe(`arn:aws:sns:${stack.region}:${stack.accountId}:sentinel-alerts`);
    expect(queueUrl.startsWith(`${stack.endpoints.sqs}/`)).toBe(true);
    const before = stack.calls().length;

    const sns = new SNSClient(clientConfig(stack.endpoints.sns));
    const published = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'Sentinel: blocked SSRF',
        Message: JSON.stringify({ category: 'ssrf' }),
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: 'high' },
          score: { DataType: 'Number', StringValue: '9' },
        },
      }),
    );
    expect(published.MessageId).toBeTruthy();

    const sqs = new SQSClient(clientConfig(stack.endpoints.sqs));
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(received.Messages).toHaveLength(1);
    const envelope = JSON.parse(received.Messages?.[0]?.Body ?? '{}');
    expect(envelope).toMatchObject({
      Type: 'Notification',
      MessageId: published.MessageId,
      TopicArn: topicArn,
      Subject: 'Sentinel: blocked SSRF',
      Message: JSON.stringify({ category: 'ssrf' }),
      MessageAttributes: { severity: { Type: 'String', Value: 'high' }, score: { Type: 'Number', Value: '9' } },
    });
    expect(new Date(envelope.Timestamp).toISOString()).toBe(envelope.Timestamp);

    expect(callsSince(before, 'sns')).toEqual([
      expect.objectContaining({
        operation: 'Publish',
        status: 200,
        request: expect.objectContaining({
          TopicArn: topicArn,
          MessageAttributes: {
            severity: { DataType: 'String', StringValue: 'high' },
            score: { DataType: 'Number', StringValue: '9' },
          },
        }),
      }),
    ]);
    expect(callsSince(before, 'sqs').map((c) => [c.operation, c.status])).toEqual([['ReceiveMessage', 200]]);
  });

  test('an envelope without Subject or attributes omits both fields, as SNS does', async () => {
    const { topicArn, queueUrl } = await stack.createTopicWithQueue('plain-topic', 'plain-inbox');
    await new SNSClient(clientConfig(stack.endpoints.sns)).send(
      new PublishCommand({ TopicArn: topicArn, Message: 'plain' }),
    );
    const received = await new SQSClient(clientConfig(stack.endpoints.sqs)).send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
    );
    const envelope = JSON.parse(received.Messages?.[0]?.Body ?? '{}');
    expect(envelope).toMatchObject({ Type: 'Notification', TopicArn: topicArn, Message: 'plain' });
    expect(Object.keys(envelope)).not.toContain('Subject');
    expect(Object.keys(envelope)).not.toContain('MessageAttributes');
    expect(envelope.UnsubscribeURL).toMatch(
      new RegExp(`^https://sns\\.${stack.region}\\.amazonaws\\.com/\\?Action=Unsubscribe&SubscriptionArn=${topicArn}:`),
    );
  });

  test('Publish to an unknown topic is NotFound', async () => {
    const sns = new SNSClient(clientConfig(stack.endpoints.sns));
    const err = await rejection(
      sns.send(new PublishCommand({ TopicArn: `arn:aws:sns:${stack.region}:${stack.accountId}:nope`, Message: 'x' })),
    );
    expect(err.name).toBe('NotFoundException');
  });
});

describe('Lambda control plane (fake)', () => {
  test('reads, merges with a RevisionId precondition, and rejects a stale revision with 412', async () => {
    stack.lambda.ensureFunction('orders', { TABLE: 'orders', API_TOKEN: 'tok-123' });
    stack.lambda.ensureFunction('orders', { SHOULD: 'be ignored' }); // existing config is kept
    const lambda = new LambdaClient(clientConfig(stack.endpoints.lambda));
    const before = stack.calls().length;

    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'orders' }));
    expect(config).toMatchObject({
      FunctionName: 'orders',
      FunctionArn: `arn:aws:lambda:${stack.region}:${stack.accountId}:function:orders`,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Version: '$LATEST',
      MemorySize: 128,
      Timeout: 3,
      Environment: { Variables: { TABLE: 'orders', API_TOKEN: 'tok-123' } },
    });
    expect(config.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);

    const updated = await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'orders',
        RevisionId: config.RevisionId,
        Timeout: 10,
        Environment: { Variables: { ...config.Environment?.Variables, SENTINEL_QUARANTINE: '1' } },
      }),
    );
    expect(updated.RevisionId).not.toBe(config.RevisionId);
    expect(updated).toMatchObject({
      Timeout: 10,
      MemorySize: 128,
      Handler: 'index.handler',
      LastUpdateStatus: 'InProgress',
    });
    expect(stack.lambda.getFunction('orders')).toEqual({
      environment: { TABLE: 'orders', API_TOKEN: 'tok-123', SENTINEL_QUARANTINE: '1' },
      revisionId: updated.RevisionId,
      codeSha256: updated.CodeSha256,
      lastModified: updated.LastModified,
    });

    const stale = await rejection(
      lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: 'orders', RevisionId: config.RevisionId, Timeout: 20 }),
      ),
    );
    expect(stale.name).toBe('PreconditionFailedException');
    expect(stale.$metadata?.httpStatusCode).toBe(412);

    // Environment replaces the whole map, as in AWS.
    await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'orders', Environment: { Variables: { ONLY: 'this' } } }),
    );
    expect(stack.lambda.getFunction('orders')?.environment).toEqual({ ONLY: 'this' });
    const reread = await lambda.send(
      new GetFunctionConfigurationCommand({
        FunctionName: `arn:aws:lambda:${stack.region}:${stack.accountId}:function:orders`,
      }),
    );
    expect(reread).toMatchObject({
      Timeout: 10,
      LastUpdateStatus: 'Successful',
      Environment: { Variables: { ONLY: 'this' } },
    });

    const reserved = await rejection(
      lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'orders',
          Environment: { Variables: { AWS_REGION: 'x' } },
        }),
      ),
    );
    expect(reserved.name).toBe('InvalidParameterValueException');

    const calls = callsSince(before, 'lambda');
    expect(calls.map((c) => [c.operation, c.status])).toEqual([
      ['GetFunctionConfiguration', 200],
      ['UpdateFunctionConfiguration', 200],
      ['UpdateFunctionConfiguration', 412],
      ['UpdateFunctionConfiguration', 200],
      ['GetFunctionConfiguration', 200],
      ['UpdateFunctionConfiguration', 400],
    ]);
    // The secret-named variable never reaches the call log.
    expect(calls[1]?.request).toMatchObject({
      FunctionName: 'orders',
      Environment: { Variables: { TABLE: 'orders', API_TOKEN: REDACTED, SENTINEL_QUARANTINE: '1' } },
    });
    expect(JSON.stringify(stack.calls())).not.toContain('tok-123');
  });

  test('reserved concurrency: put, get, delete; unknown function is ResourceNotFoundException', async () => {
    stack.lambda.ensureFunction('worker', {});
    const lambda = new LambdaClient(clientConfig(stack.endpoints.lambda));
    expect(
      (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'worker' }))).ReservedConcurrentExecutions,
    ).toBeUndefined();
    const put = await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'worker', ReservedConcurrentExecutions: 0 }),
    );
    expect(put.ReservedConcurrentExecutions).toBe(0);
    expect(stack.lambda.getFunction('worker')?.reservedConcurrency).toBe(0);
    expect(
      (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'worker' }))).ReservedConcurrentExecutions,
    ).toBe(0);
    const tooMany = await rejection(
      lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'worker', ReservedConcurrentExecutions: 950 })),
    );
    expect(tooMany.name).toBe('InvalidParameterValueException');
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'worker' }));
    expect(stack.lambda.getFunction('worker')?.reservedConcurrency).toBeUndefined();
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'worker' }));
    expect(config.Environment).toBeUndefined(); // no variables → no Environment, as in AWS

    const missing = await rejection(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'ghost' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
    expect(missing.message).toContain('function:ghost');
    expect(stack.lambda.getFunction('ghost')).toBeUndefined();
  });
});

describe('CloudWatch PutMetricData (fake)', () => {
  function metricClient(maxAttempts = 3) {
    const client = new CloudWatchClient(clientConfig(stack.endpoints.cloudwatch, maxAttempts));
    const encodings: string[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        encodings.push(headers['content-encoding'] ?? 'identity');
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordContentEncoding' },
    );
    return { client, encodings };
  }

  test('small and gzip-compressed (≥ 10 KiB) inputs are decoded', async () => {
    const { client, encodings } = metricClient();
    const before = stack.metricData().length;
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'Sentinel',
        MetricData: [
          {
            MetricName: 'Findings',
            Dimensions: [{ Name: 'FunctionName', Value: 'orders' }],
            Value: 1,
            Unit: 'Count',
            Timestamp: at,
          },
        ],
      }),
    );
    const big = Array.from({ length: 400 }, (_, i) => ({
      MetricName: `Metric${i}`,
      Dimensions: [{ Name: 'FunctionName', Value: `function-with-a-longish-name-${i}` }],
      Value: i,
      Unit: 'Count' as const,
    }));
    await client.send(new PutMetricDataCommand({ Namespace: 'Sentinel', MetricData: big }));
    expect(encodings).toEqual(['identity', 'gzip']);

    const [small, large] = stack.metricData().slice(before) as {
      Namespace: string;
      MetricData: Record<string, unknown>[];
    }[];
    expect(small).toEqual({
      Namespace: 'Sentinel',
      MetricData: [
        {
          MetricName: 'Findings',
          Dimensions: [{ Name: 'FunctionName', Value: 'orders' }],
          Value: 1,
          Unit: 'Count',
          Timestamp: at.getTime() / 1000,
        },
      ],
    });
    expect(large?.MetricData).toHaveLength(400);
    expect(large?.MetricData[399]).toMatchObject({ MetricName: 'Metric399', Value: 399 });
  });

  test('an AWS/ namespace is rejected as AWS does', async () => {
    const { client } = metricClient();
    const err = await rejection(
      client.send(new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: [{ MetricName: 'X', Value: 1 }] })),
    );
    expect(err.name).toBe('InvalidParameterValueException');
  });
});

describe('Slack incoming-webhook receiver', () => {
  test('accepts JSON with ok, rejects invalid JSON and unknown paths', async () => {
    const before = stack.slackMessages().length;
    const ok = await fetch(stack.slackWebhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Sentinel alert' }),
    });
    expect([ok.status, await ok.text()]).toEqual([200, 'ok']);
    const bad = await fetch(stack.slackWebhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect([bad.status, await bad.text()]).toEqual([400, 'invalid_payload']);
    const wrong = await fetch(`${stack.endpoints.slack}/services/T/B/wrong`, {
      method: 'POST',
      body: JSON.stringify({ text: 'x' }),
    });
    expect([wrong.status, await wrong.text()]).toEqual([404, 'no_service']);
    expect(stack.slackMessages().slice(before)).toEqual([{ text: 'Sentinel alert' }]);
  });
});

describe('faults', () => {
  test('throttle (count 1): DynamoDB answers ProvisionedThroughputExceededException once, the SDK retries and succeeds', async () => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(stack.endpoints.dynamodb)));
    await doc.send(new PutCommand({ TableName: 'incidents', Item: { pk: 'throttle', sk: '1' } }));
    stack.setFault('dynamodb', { kind: 'throttle' }, { count: 1 });
    const before = stack.calls().length;
    const got = await doc.send(new GetCommand({ TableName: 'incidents', Key: { pk: 'throttle', sk: '1' } }));
    expect(got.Item).toEqual({ pk: 'throttle', sk: '1' });
    expect(got.$metadata.attempts).toBe(2);
    expect(callsSince(before, 'dynamodb').map((c) => [c.operation, c.status])).toEqual([
      ['GetItem', 400],
      ['GetItem', 200],
    ]);
    stack.setFault('dynamodb', { kind: 'throttle' });
    const err = await rejection(
      new DynamoDBClient(clientConfig(stack.endpoints.dynamodb, 1)).send(
        new DescribeTimeToLiveCommand({ TableName: 'incidents' }),
      ),
    );
    expect(err.name).toBe('ThrottlingException'); // control-plane operations throttle differently
  });

  test('error5xx: SNS InternalError is retried to the attempt limit; with count 2 the third attempt succeeds', async () => {
    const { topicArn } = await stack.createTopicWithQueue('fault-topic', 'fault-queue');
    const sns = new SNSClient(clientConfig(stack.endpoints.sns, 3));
    stack.setFault('sns', { kind: 'error5xx' }, { count: 2 });
    const before = stack.calls().length;
    const ok = await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'after two failures' }));
    expect(ok.$metadata.attempts).toBe(3);
    expect(callsSince(before, 'sns').map((c) => c.status)).toEqual([500, 500, 200]);

    stack.setFault('sns', { kind: 'error5xx' });
    const err = await rejection(
      new SNSClient(clientConfig(stack.endpoints.sns, 2)).send(
        new PublishCommand({ TopicArn: topicArn, Message: 'x' }),
      ),
    );
    expect(err.name).toBe('InternalErrorException');
    expect(err.$metadata?.httpStatusCode).toBe(500);
    expect(err.$metadata?.attempts).toBe(2);
  });

  test('throttle: SNS Throttling and Lambda TooManyRequestsException (429) surface after retries', async () => {
    stack.setFault('sns', { kind: 'throttle' });
    const snsErr = await rejection(
      new SNSClient(clientConfig(stack.endpoints.sns, 1)).send(
        new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:x', Message: 'x' }),
      ),
    );
    expect([snsErr.name, snsErr.$metadata?.httpStatusCode]).toEqual(['Throttling', 400]);

    stack.lambda.ensureFunction('throttled', {});
    stack.setFault('lambda', { kind: 'throttle' });
    const before = stack.calls().length;
    const err = await rejection(
      new LambdaClient(clientConfig(stack.endpoints.lambda, 2)).send(
        new GetFunctionConfigurationCommand({ FunctionName: 'throttled' }),
      ),
    );
    expect([err.name, err.$metadata?.httpStatusCode, err.$metadata?.attempts]).toEqual([
      'TooManyRequestsException',
      429,
      2,
    ]);
    expect(callsSince(before, 'lambda').map((c) => c.status)).toEqual([429, 429]);
  });

  test('CloudWatch: throttle once then success; error5xx is InternalServiceFault', async () => {
    const cw = new CloudWatchClient(clientConfig(stack.endpoints.cloudwatch));
    stack.setFault('cloudwatch', { kind: 'throttle' }, { count: 1 });
    const before = stack.calls().length;
    const ok = await cw.send(
      new PutMetricDataCommand({ Namespace: 'Sentinel', MetricData: [{ MetricName: 'Retry', Value: 1 }] }),
    );
    expect(ok.$metadata.attempts).toBe(2);
    expect(callsSince(before, 'cloudwatch').map((c) => c.status)).toEqual([400, 200]);
    stack.setFault('cloudwatch', { kind: 'error5xx' });
    const err = await rejection(
      new CloudWatchClient(clientConfig(stack.endpoints.cloudwatch, 1)).send(
        new PutMetricDataCommand({ Namespace: 'Sentinel', MetricData: [{ MetricName: 'X', Value: 1 }] }),
      ),
    );
    expect([err.name, err.$metadata?.httpStatusCode]).toEqual(['InternalServiceFault', 500]);
  });

  test('Slack: 429 with Retry-After, 5xx, and a counted fault that clears itself', async () => {
    stack.setFault('slack', { kind: 'throttle' }, { count: 1 });
    const limited = await fetch(stack.slackWebhookUrl, { method: 'POST', body: JSON.stringify({ text: 'a' }) });
    expect([limited.status, limited.headers.get('retry-after'), await limited.text()]).toEqual([
      429,
      '1',
      'rate_limited',
    ]);
    const after = await fetch(stack.slackWebhookUrl, { method: 'POST', body: JSON.stringify({ text: 'b' }) });
    expect(after.status).toBe(200);
    stack.setFault('slack', { kind: 'error5xx' });
    const failed = await fetch(stack.slackWebhookUrl, { method: 'POST', body: JSON.stringify({ text: 'c' }) });
    expect(failed.status).toBe(500);
    await failed.text();
    expect(stack.slackMessages()).toContainEqual({ text: 'b' });
    expect(stack.slackMessages()).not.toContainEqual({ text: 'a' });
  });

  test('latency delays the answer, then forwards', async () => {
    stack.lambda.ensureFunction('slow', {});
    stack.setFault('lambda', { kind: 'latency', ms: 300 });
    const started = Date.now();
    const config = await new LambdaClient(clientConfig(stack.endpoints.lambda)).send(
      new GetFunctionConfigurationCommand({ FunctionName: 'slow' }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(config.FunctionName).toBe('slow');
  });

  test('unreachable refuses connections while set; clearing it restores the same endpoint', async () => {
    const dynamo = new DynamoDBClient(clientConfig(stack.endpoints.dynamodb, 1));
    await dynamo.send(new ListTablesCommand({})); // leaves a keep-alive socket, which the fault must cut too
    stack.setFault('dynamodb', { kind: 'unreachable' });
    // A request racing the cut may still go out on the dying socket ("socket hang up", as against a crashed
    // server); once the client has seen the close, every attempt is refused.
    await new Promise((r) => setTimeout(r, 20));
    const before = stack.calls().length;
    const err = await rejection(dynamo.send(new ListTablesCommand({})));
    expect(err.message).toContain('ECONNREFUSED');
    expect(callsSince(before, 'dynamodb')).toEqual([]);
    stack.setFault('dynamodb', { kind: 'none' });
    const ok = await dynamo.send(new ListTablesCommand({}));
    expect(ok.$metadata.httpStatusCode).toBe(200);
  });

  test('unreachable with a count resets that many requests; the SDK retries through it', async () => {
    const lambda = new LambdaClient(clientConfig(stack.endpoints.lambda, 3));
    stack.lambda.ensureFunction('flaky', {});
    stack.setFault('lambda', { kind: 'unreachable' }, { count: 1 });
    const before = stack.calls().length;
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'flaky' }));
    expect(config.$metadata.attempts).toBe(2);
    expect(callsSince(before, 'lambda').map((c) => c.status)).toEqual([200]);
  });
});

test('a stack in another region and account names everything after them', async () => {
  const own = await startAwsStack({ region: 'eu-central-1', accountId: '123456789012' });
  try {
    const credentials = { accessKeyId: own.env.AWS_ACCESS_KEY_ID, secretAccessKey: own.env.AWS_SECRET_ACCESS_KEY };
    expect([own.env.AWS_REGION, own.env.AWS_DEFAULT_REGION]).toEqual(['eu-central-1', 'eu-central-1']);
    const { topicArn, queueUrl } = await own.createTopicWithQueue('regional', 'regional-inbox');
    expect(topicArn).toMatch(/^arn:aws:sns:eu-central-1:/);
    const config = { region: own.region, credentials };
    await new SNSClient({ ...config, endpoint: own.endpoints.sns }).send(
      new PublishCommand({ TopicArn: topicArn, Message: 'm' }),
    );
    const received = await new SQSClient({ ...config, endpoint: own.endpoints.sqs }).send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
    );
    const envelope = JSON.parse(received.Messages?.[0]?.Body ?? '{}');
    expect(envelope.SigningCertURL).toMatch(/^https:\/\/sns\.eu-central-1\.amazonaws\.com\//);
    own.lambda.ensureFunction('fn', {});
    const fn = await new LambdaClient({ ...config, endpoint: own.endpoints.lambda }).send(
      new GetFunctionConfigurationCommand({ FunctionName: 'fn' }),
    );
    expect(fn.FunctionArn).toBe('arn:aws:lambda:eu-central-1:123456789012:function:fn');
  } finally {
    await own.stop();
  }
});

test('hang never answers and is released by stop()', async () => {
  const own = await startAwsStack();
  try {
    const { topicArn } = await own.createTopicWithQueue('hang-topic', 'hang-queue');
    own.setFault('sns', { kind: 'hang' });
    const sns = new SNSClient({
      region: own.region,
      endpoint: own.endpoints.sns,
      maxAttempts: 1,
      credentials: { accessKeyId: own.env.AWS_ACCESS_KEY_ID, secretAccessKey: own.env.AWS_SECRET_ACCESS_KEY },
    });
    let settled = false;
    const publish = sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'x' })).finally(() => {
      settled = true;
    });
    publish.catch(() => {});
    for (let i = 0; i < 100 && own.calls().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe(false);
    expect(own.calls()).toEqual([expect.objectContaining({ service: 'sns', operation: 'Publish', status: 0 })]);
    const stopping = Date.now();
    await own.stop();
    const err = await rejection(publish);
    expect(Date.now() - stopping).toBeLessThan(2000);
    expect(err.message).toMatch(/socket hang up|ECONNRESET/i);
  } finally {
    await own.stop();
  }
});
