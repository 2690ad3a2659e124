/**
 * Event builders for every trigger type, shaped like the events AWS delivers (trimmed to the fields functions read
 * plus the ones that identify the trigger). Payload strings go where a real attacker controls them.
 */

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const now = () => new Date().toISOString();

export function apigwV1(o: {
  method?: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}): Record<string, unknown> {
  const body = o.body === undefined ? null : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  return {
    resource: o.path,
    path: o.path,
    httpMethod: o.method ?? 'GET',
    headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5.0', ...o.headers },
    multiValueHeaders: {},
    queryStringParameters: o.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'a1b2c3',
      httpMethod: o.method ?? 'GET',
      identity: { sourceIp: '203.0.113.7', userAgent: 'curl/8.5.0' },
      path: `/prod${o.path}`,
      protocol: 'HTTP/1.1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      resourcePath: o.path,
      stage: 'prod',
    },
    body,
    isBase64Encoded: false,
  };
}

function v2Like(
  o: { method?: string; path: string; query?: string; body?: unknown; headers?: Record<string, string> },
  domain: string,
): Record<string, unknown> {
  const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  const queryStringParameters = o.query ? Object.fromEntries(new URLSearchParams(o.query)) : undefined;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: o.path,
    rawQueryString: o.query ?? '',
    headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5.0', host: domain, ...o.headers },
    queryStringParameters,
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'a1b2c3',
      domainName: domain,
      http: { method: o.method ?? 'GET', path: o.path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'curl/8.5.0' },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: '$default',
      stage: '$default',
      time: '26/Nov/2026:19:03:58 +0000',
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  };
}

export const apigwV2 = (o: Parameters<typeof v2Like>[0]) => v2Like(o, 'a1b2c3.execute-api.us-east-1.amazonaws.com');

export const functionUrl = (o: Parameters<typeof v2Like>[0]) =>
  v2Like(o, 'abcdefghijklmnop.lambda-url.us-east-1.on.aws');

export function alb(o: {
  method?: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}): Record<string, unknown> {
  return {
    requestContext: {
      elb: { targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/lambda-tg/6d0ecf831eec9f09` },
    },
    httpMethod: o.method ?? 'POST',
    path: o.path,
    queryStringParameters: o.query ?? {},
    headers: { 'content-type': 'application/json', host: 'app.example.com', 'x-forwarded-for': '203.0.113.7', ...o.headers },
    body: o.body === undefined ? '' : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
    isBase64Encoded: false,
  };
}

export function sqs(bodies: unknown[]): Record<string, unknown> {
  return {
    Records: bodies.map((b, i) => ({
      messageId: `059f36b4-87a3-44ab-83d2-66197561191${i}`,
      receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
      body: typeof b === 'string' ? b : JSON.stringify(b),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:jobs`,
      awsRegion: REGION,
    })),
  };
}

export function sns(message: unknown, subject = 'notification'): Record<string, unknown> {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `arn:aws:sns:${REGION}:${ACCOUNT}:events:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:events`,
          Subject: subject,
          Message: typeof message === 'string' ? message : JSON.stringify(message),
          Timestamp: now(),
          MessageAttributes: {},
        },
      },
    ],
  };
}

/** S3 object keys arrive URL-encoded with `+` for spaces. */
export function s3(key: string, bucket = 'uploads-bucket'): Record<string, unknown> {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: REGION,
        eventTime: now(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/'), size: 1024, eTag: 'd41d8cd98f00b204e9800998ecf8427e' },
        },
      },
    ],
  };
}

export function eventBridge(detailType: string, detail: unknown): Record<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source: 'com.example.jobs',
    account: ACCOUNT,
    time: now(),
    region: REGION,
    resources: [],
    detail,
  };
}

/** DynamoDB stream record with a NewImage in attribute-value form (`{S: ...}`, `{N: ...}`). */
export function dynamodbStream(newImage: Record<string, { S?: string; N?: string }>): Record<string, unknown> {
  return {
    Records: [
      {
        eventID: '1',
        eventName: 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: REGION,
        dynamodb: {
          Keys: { pk: newImage.pk ?? { S: 'item' } },
          NewImage: newImage,
          SequenceNumber: '111',
          SizeBytes: 26,
          StreamViewType: 'NEW_IMAGE',
        },
        eventSourceARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/items/stream/2026-11-26T00:00:00.000`,
      },
    ],
  };
}
