/**
 * Benign corpus functions of the kinds real teams run. Each is configured the way its team would configure
 * Sentinel (allow-lists for its own binaries and APIs) and must produce no finding at all, init included.
 */
import { join } from 'node:path';
import { alb, apigwV1, apigwV2, dynamodbStream, eventBridge, functionUrl, s3, sns, sqs } from './events';
import type { CorpusFunction } from './types';

const json = (r: unknown) => JSON.parse(String((r as { body?: string }).body ?? 'null')) as Record<string, unknown>;

export const BENIGN_FUNCTIONS: CorpusFunction[] = [
  {
    id: 'image-resize',
    description: 'image processing on S3 uploads, bundled binary run with an argument array',
    module: 'cjs',
    handler: 'index.handler',
    benignOnly: true,
    env: () => ({ SENTINEL_EXEC_ALLOW: 'resize.sh', THUMB_WIDTH: '320' }),
    cases: [
      {
        id: 'image-resize/upload',
        type: 'benign',
        title: 'two uploads, one with spaces and a dash-leading name',
        trigger: 's3',
        events: () => [s3('photos/summer holiday.jpg'), s3('photos/-cover.png')],
        check: (r) => ((r as { stdout: string }[])[0]?.stdout === 'ok 320' ? undefined : 'tool did not run'),
      },
    ],
  },
  {
    id: 'video-transcode',
    description: 'video transcoding from SQS, bundled encoder (node script) spawned with an argument array',
    module: 'esm',
    handler: 'index.handler',
    benignOnly: true,
    env: () => ({ SENTINEL_EXEC_ALLOW: 'node' }),
    cases: [
      {
        id: 'video-transcode/jobs',
        type: 'benign',
        title: 'two transcoding jobs',
        trigger: 'sqs',
        events: () => [
          sqs([
            { video: 'uploads/intro.mov', format: 'mp4', width: 640 },
            { video: 'uploads/talk (final).mov', format: 'webm', width: 1280 },
          ]),
        ],
        check: (r) => (JSON.stringify(r).includes('transcoded uploads/intro.mov') ? undefined : 'encoder did not run'),
      },
    ],
  },
  {
    id: 'pdf-render',
    description: 'headless-browser PDF rendering: browser extracted to /tmp and run from there (declared)',
    module: 'cjs',
    handler: 'index.handler',
    benignOnly: true,
    env: (ctx) => ({ SENTINEL_EXEC_ALLOW: join(ctx.tmpDir, 'chromium', 'headless_shell') }),
    cases: [
      {
        id: 'pdf-render/render',
        type: 'benign',
        title: 'renders two pages (extracts on the first)',
        trigger: 'apigw-v1',
        events: () => [
          apigwV1({ method: 'POST', path: '/pdf', body: { url: 'https://example.com/invoice/42' } }),
          apigwV1({ method: 'POST', path: '/pdf', body: { url: 'https://example.com/report?year=2026&q=a b' } }),
        ],
        check: (r) => (String((r as { body?: string }).body).startsWith('%PDF') ? undefined : 'no pdf'),
      },
    ],
  },
  {
    id: 'schema-validate',
    description: 'JSON-schema validation with validators compiled by new Function at init (ajv style)',
    module: 'esm',
    handler: 'index.handler',
    benignOnly: true,
    cases: [
      {
        id: 'schema-validate/requests',
        type: 'benign',
        title: 'a valid and an invalid order, with code-like strings as data',
        trigger: 'apigw-v2',
        events: () => [
          apigwV2({ method: 'POST', path: '/validate/order', body: { sku: 'A-1', qty: 2, note: 'return x; // ok' } }),
          apigwV2({ method: 'POST', path: '/validate/order', body: { sku: 'A-1', qty: '2; drop' } }),
        ],
        check: (r) => (json(r).valid === false ? undefined : 'invalid order accepted'),
      },
    ],
  },
  {
    id: 'template-render',
    description: 'template engine compiling templates with new Function at init (lodash.template / EJS style)',
    module: 'cjs',
    handler: 'index.handler',
    benignOnly: true,
    cases: [
      {
        id: 'template-render/pages',
        type: 'benign',
        title: 'renders an invoice and a welcome page with markup in the data',
        trigger: 'alb',
        events: () => [
          alb({ path: '/render/invoice', body: { number: 'INV-7', customer: 'Ada <admin>', amount: 12 } }),
          alb({ path: '/render/welcome', body: { name: "O'Brien", plan: '${pro}' } }),
        ],
        check: (r) => (String((r as { body?: string }).body).includes('O&#39;Brien') ? undefined : 'not rendered'),
      },
    ],
  },
  {
    id: 'orders-ddb',
    description: 'AWS SDK heavy API: DynamoDB put/get/query and SNS publish against the local stand-ins',
    module: 'cjs',
    handler: 'index.handler',
    benignOnly: true,
    aws: true,
    dependencies: true,
    env: (ctx) => ({ TABLE_NAME: 'orders', TOPIC_ARN: ctx.aws?.topicArn ?? '' }),
    cases: [
      {
        id: 'orders-ddb/orders',
        type: 'benign',
        title: 'creates two orders',
        trigger: 'apigw-v1',
        events: () => [
          apigwV1({ method: 'POST', path: '/orders', body: { customer: 'c1', id: 'o1', total: 42 } }),
          apigwV1({ method: 'POST', path: '/orders', body: { customer: 'c1', id: 'o2', total: 7 } }),
        ],
        check: (r) => (json(r).orders === 2 ? undefined : `unexpected response ${JSON.stringify(r)}`),
      },
    ],
  },
  {
    id: 'fanout-sqs',
    description: 'AWS SDK heavy worker: SQS send and SNS publish per message (ESM)',
    module: 'esm',
    handler: 'index.handler',
    benignOnly: true,
    aws: true,
    dependencies: true,
    env: (ctx) => ({ QUEUE_URL: ctx.aws?.queueUrl ?? '', TOPIC_ARN: ctx.aws?.topicArn ?? '' }),
    cases: [
      {
        id: 'fanout-sqs/forward',
        type: 'benign',
        title: 'forwards two messages',
        trigger: 'sqs',
        events: () => [sqs([{ type: 'signup', user: 'u1' }, { type: 'signup', user: 'u2' }])],
        check: (r) => ((r as { forwarded?: number }).forwarded === 2 ? undefined : 'not forwarded'),
      },
    ],
  },
  {
    id: 'http-client',
    description: 'HTTP client to an allowed partner API (http.request and fetch, bearer token from config)',
    module: 'cjs',
    handler: 'index.handler',
    benignOnly: true,
    env: (ctx) => ({
      PARTNER_API: `http://localhost:${ctx.canaryPort}/partner`,
      PARTNER_TOKEN: 'ptk_live_5b8f0c2e9a7d4e1f',
      SENTINEL_EGRESS_ALLOW: 'localhost,127.0.0.1',
    }),
    cases: [
      {
        id: 'http-client/events',
        type: 'benign',
        title: 'forwards an order event',
        trigger: 'eventbridge',
        events: () => [eventBridge('order.shipped', { orderId: 'o-17/b', carrier: 'dhl' })],
        check: (r) => ((r as { sent?: number }).sent === 200 ? undefined : 'API not reached'),
      },
    ],
  },
  {
    id: 'plugin-loader',
    description: 'format plugins loaded with dynamic require',
    module: 'cjs',
    handler: 'index.handler',
    benignOnly: true,
    cases: [
      {
        id: 'plugin-loader/export',
        type: 'benign',
        title: 'exports as csv and as xml',
        trigger: 'direct',
        events: () => [
          { format: 'csv', rows: [['a', 1]] },
          { format: 'xml', rows: [['b', 2]] },
        ],
        check: (r) => ((r as { output?: string }).output === '<rows><row><c>b</c><c>2</c></row></rows>' ? undefined : 'bad output'),
      },
    ],
  },
  {
    id: 'env-config',
    description: 'settings from process.env configuration (Function URL, ESM)',
    module: 'esm',
    handler: 'index.handler',
    benignOnly: true,
    env: () => ({
      TABLE_NAME: 'settings',
      LOG_LEVEL: 'debug',
      FEATURE_FLAGS: '{"newCheckout":true}',
      APP_COLOR: 'blue',
      APP_REGION_LABEL: 'eu',
    }),
    cases: [
      {
        id: 'env-config/settings',
        type: 'benign',
        title: 'returns the configuration',
        trigger: 'function-url',
        events: () => [functionUrl({ path: '/settings' })],
        check: (r) => ((json(r).app as Record<string, string>)?.APP_COLOR === 'blue' ? undefined : 'config missing'),
      },
    ],
  },
  {
    id: 'stream-indexer',
    description: 'DynamoDB stream indexer writing gzip shards to /tmp',
    module: 'cjs',
    handler: 'index.handler',
    benignOnly: true,
    cases: [
      {
        id: 'stream-indexer/index',
        type: 'benign',
        title: 'indexes two items, one with path-like and shell-like text',
        trigger: 'dynamodb-stream',
        events: () => [
          dynamodbStream({ pk: { S: 'item-1' }, title: { S: 'Quarterly ../report' }, price: { N: '9.5' } }),
          dynamodbStream({ pk: { S: 'item-2' }, title: { S: 'rock & roll; $(best)' }, price: { N: '12' } }),
        ],
        check: (r) => ((r as { shards: number }[])[0]?.shards === 2 ? undefined : 'not indexed'),
      },
    ],
  },
  {
    id: 'mailer-sns',
    description: 'mailer with a template compiled at init, posting to an allowed mail API (ESM)',
    module: 'esm',
    handler: 'index.handler',
    benignOnly: true,
    env: (ctx) => ({ MAIL_API: `http://localhost:${ctx.canaryPort}/mail`, SENTINEL_EGRESS_ALLOW: 'localhost' }),
    cases: [
      {
        id: 'mailer-sns/shipped',
        type: 'benign',
        title: 'sends a shipping mail',
        trigger: 'sns',
        events: () => [sns({ name: 'Ada', order: 'o-1', email: 'ada@example.com' })],
        check: (r) => ((r as { status?: number }).status === 200 ? undefined : 'mail API not reached'),
      },
    ],
  },
  {
    id: 'git-info',
    description: 'fixed shell commands and an argument-array program (build info on a schedule, ESM)',
    module: 'esm',
    handler: 'index.handler',
    benignOnly: true,
    env: () => ({ SENTINEL_EXEC_ALLOW: 'sh,uname,date' }),
    cases: [
      {
        id: 'git-info/scheduled',
        type: 'benign',
        title: 'scheduled run',
        trigger: 'eventbridge',
        events: () => [
          { ...eventBridge('Scheduled Event', {}), resources: ['arn:aws:events:us-east-1:000000000000:rule/hourly'] },
        ],
        check: (r) => ((r as { kernel?: string }).kernel === 'Linux' ? undefined : 'command failed'),
      },
    ],
  },
];
