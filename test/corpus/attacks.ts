/**
 * Vulnerable corpus functions: each has attack cases and benign cases on the same code path. Cases that leave
 * state behind (prototype pollution, a swapped handler) come last in their function.
 */
import { join } from 'node:path';
import { alb, apigwV1, apigwV2, dynamodbStream, eventBridge, functionUrl, s3, sns, sqs } from './events';
import type { CaseContext, CorpusFunction } from './types';

const m = (ctx: CaseContext, name: string) => join(ctx.tmpDir, name);
const canary = (ctx: CaseContext, id: string) => `${ctx.canaryUrl}/c/${id}`;
const notBlockable = (reason: string) => ({ blockable: false as const, reason });

export const ATTACK_FUNCTIONS: CorpusFunction[] = [
  {
    id: 'files-v1',
    description: 'static file endpoint (API Gateway REST)',
    module: 'cjs',
    handler: 'index.handler',
    cases: [
      {
        id: 'files-v1/benign',
        type: 'benign',
        title: 'reads a public file',
        trigger: 'apigw-v1',
        events: () => [apigwV1({ path: '/files', query: { name: 'hello.txt' } })],
        check: (r) => (String((r as { body?: string }).body).includes('hello from the corpus') ? undefined : 'file not served'),
      },
      {
        id: 'files-v1/traversal',
        type: 'attack',
        title: '../ in the query string reads a private key file',
        techniques: ['T1', 'T4'],
        trigger: 'apigw-v1',
        events: () => [apigwV1({ path: '/files', query: { name: '../private/keys.txt' } })],
        expect: [{ category: 'path_traversal', minSeverity: 'high', inputPath: '$.queryStringParameters.name' }],
        block: { blockable: true, effect: { kind: 'file_read', token: 'CORPUS-FILE-TOKEN-7f3a9c' } },
      },
      {
        id: 'files-v1/environ',
        type: 'attack',
        title: '../ to /proc/self/environ discloses the credentials',
        techniques: ['T4', 'T5'],
        trigger: 'apigw-v1',
        events: () => [apigwV1({ path: '/files', query: { name: '../../../../../../../../proc/self/environ' } })],
        // One finding per operation: the traversal verdict, critical because the target holds credentials.
        expect: [{ category: 'path_traversal', minSeverity: 'critical', inputPath: '$.queryStringParameters.name' }],
        block: { blockable: true, effect: { kind: 'secret_leaked' } },
      },
    ],
  },
  {
    id: 'thumbs-v2',
    description: 'thumbnail endpoint (API Gateway HTTP, ESM)',
    module: 'esm',
    handler: 'index.handler',
    env: () => ({ SENTINEL_EXEC_ALLOW: 'sh,echo' }),
    cases: [
      {
        id: 'thumbs-v2/benign',
        type: 'benign',
        title: 'resizes to a numeric width with options',
        trigger: 'apigw-v2',
        events: () => [apigwV2({ method: 'POST', path: '/thumbs', body: { width: '200', options: { quality: 70 } } })],
        check: (r) => (String((r as { body?: string }).body).includes('resize 200') ? undefined : 'no resize output'),
      },
      {
        id: 'thumbs-v2/cmd',
        type: 'attack',
        title: 'shell metacharacters in the JSON body width',
        techniques: ['T1', 'T2'],
        trigger: 'apigw-v2',
        events: (ctx) => [
          apigwV2({ method: 'POST', path: '/thumbs', body: { width: `200; touch ${m(ctx, 'm-thumbs-cmd')}` } }),
        ],
        expect: [{ category: 'command_injection', minSeverity: 'critical', kind: 'shell_metachar', inputPath: '$.body' }],
        block: { blockable: true, effect: { kind: 'process_started', file: 'm-thumbs-cmd' } },
      },
      {
        id: 'thumbs-v2/pollution',
        type: 'attack',
        title: '__proto__ in the body options pollutes Object.prototype',
        techniques: ['T13'],
        trigger: 'apigw-v2',
        events: () => [
          apigwV2({ method: 'POST', path: '/thumbs', body: '{"width":"100","options":{"__proto__":{"isAdmin":true}}}' }),
        ],
        expect: [{ category: 'prototype_pollution', minSeverity: 'high' }],
        block: notBlockable('the pollution is seen by the prototype check at the end of the invocation, after the fact'),
      },
    ],
  },
  {
    id: 'fetch-url',
    description: 'API proxy (Lambda Function URL)',
    module: 'cjs',
    handler: 'index.handler',
    env: (ctx) => ({ API_BASE: `${ctx.canaryUrl}/api/` }),
    cases: [
      {
        id: 'fetch-url/benign',
        type: 'benign',
        title: 'fetches a relative API path',
        trigger: 'function-url',
        events: () => [functionUrl({ path: '/', query: 'path=v1%2Fitems%3Fq%3Dshoes' })],
        check: (r) => ((r as { statusCode?: number }).statusCode === 200 ? undefined : 'API not reached'),
      },
      {
        id: 'fetch-url/ssrf',
        type: 'attack',
        title: 'absolute URL in the query replaces the base (loopback)',
        techniques: ['T1', 'T6'],
        trigger: 'function-url',
        events: (ctx) => [functionUrl({ path: '/', query: `path=${encodeURIComponent(canary(ctx, 'fetch-url-ssrf'))}` })],
        expect: [{ category: 'ssrf', minSeverity: 'high', inputPath: '$.' }],
        block: { blockable: true, effect: { kind: 'connection', path: '/c/fetch-url-ssrf' } },
      },
      {
        id: 'fetch-url/runtime-api',
        type: 'attack',
        title: 'SSRF to the Lambda Runtime API',
        techniques: ['T6', 'T7'],
        trigger: 'function-url',
        events: (ctx) => [
          functionUrl({ path: '/', query: `path=${encodeURIComponent(`http://${ctx.runtimeApi}/2018-06-01/ping`)}` }),
        ],
        expect: [{ category: 'ssrf', minSeverity: 'critical', kind: 'runtime_api' }],
        block: { blockable: true },
      },
    ],
  },
  {
    id: 'render-alb',
    description: 'greeting preview (ALB target)',
    module: 'cjs',
    handler: 'index.handler',
    cases: [
      {
        id: 'render-alb/benign',
        type: 'benign',
        title: 'renders a greeting',
        trigger: 'alb',
        events: () => [alb({ path: '/preview', body: { greeting: 'Good morning', name: 'Ada' } })],
        check: (r) => ((r as { body?: string }).body === 'Good morning, Ada' ? undefined : 'wrong greeting'),
      },
      {
        id: 'render-alb/code',
        type: 'attack',
        title: 'the greeting breaks out of the string literal in new Function',
        techniques: ['T1', 'T3'],
        trigger: 'alb',
        events: (ctx) => [
          alb({
            path: '/preview',
            body: {
              greeting: `Hi" + process.getBuiltinModule("fs").writeFileSync(${JSON.stringify(m(ctx, 'm-alb-code'))}, "x") + "`,
            },
          }),
        ],
        expect: [{ category: 'code_injection', minSeverity: 'critical', kind: 'js_syntax', inputPath: '$.body' }],
        block: { blockable: true, effect: { kind: 'file_written', file: 'm-alb-code' } },
      },
      {
        id: 'render-alb/code-base64',
        type: 'attack',
        title: 'the same injection in a base64-encoded body (isBase64Encoded)',
        techniques: ['T1', 'T3'],
        trigger: 'alb',
        events: (ctx) => [
          {
            ...alb({ path: '/preview' }),
            isBase64Encoded: true,
            body: Buffer.from(
              JSON.stringify({
                greeting: `Hi" + process.getBuiltinModule("fs").writeFileSync(${JSON.stringify(m(ctx, 'm-alb-b64'))}, "x") + "`,
              }),
            ).toString('base64'),
          },
        ],
        expect: [{ category: 'code_injection', minSeverity: 'critical', kind: 'js_syntax', inputPath: '$.body' }],
        block: { blockable: true, effect: { kind: 'file_written', file: 'm-alb-b64' } },
      },
    ],
  },
  {
    id: 'jobs-sqs',
    description: 'SQS job worker',
    module: 'cjs',
    handler: 'index.handler',
    env: () => ({ SENTINEL_EXEC_ALLOW: 'sh,echo' }),
    cases: [
      {
        id: 'jobs-sqs/benign',
        type: 'benign',
        title: 'announces two jobs',
        trigger: 'sqs',
        events: () => [sqs([{ job: 'export', name: 'report-2026-11' }, { job: 'import', name: 'customers' }])],
        check: (r) => (JSON.stringify(r).includes('job export for report-2026-11') ? undefined : 'no job output'),
      },
      {
        id: 'jobs-sqs/cmd',
        type: 'attack',
        title: 'command substitution in a queue message body',
        techniques: ['T1', 'T2'],
        trigger: 'sqs',
        events: (ctx) => [sqs([{ job: 'export', name: `$(touch ${m(ctx, 'm-sqs-cmd')})` }])],
        expect: [{ category: 'command_injection', minSeverity: 'critical', inputPath: '$.Records[0].body' }],
        block: { blockable: true, effect: { kind: 'process_started', file: 'm-sqs-cmd' } },
      },
      {
        id: 'jobs-sqs/cmd-second-record',
        type: 'attack',
        title: 'the malicious message is the second record of a batch',
        techniques: ['T1', 'T2'],
        trigger: 'sqs',
        events: (ctx) => [
          sqs([
            { job: 'export', name: 'report-2026-11' },
            { job: 'import', name: `customers; touch ${m(ctx, 'm-sqs-batch')}` },
          ]),
        ],
        expect: [{ category: 'command_injection', minSeverity: 'critical', inputPath: '$.Records[1].body' }],
        block: { blockable: true, effect: { kind: 'process_started', file: 'm-sqs-batch' } },
      },
    ],
  },
  {
    id: 'webhook-sns',
    description: 'SNS status notifier (ESM)',
    module: 'esm',
    handler: 'index.handler',
    env: (ctx) => ({ CALLBACK_URL: `${ctx.canaryUrl}/hooks/status` }),
    cases: [
      {
        id: 'webhook-sns/benign',
        type: 'benign',
        title: 'posts the status to the configured callback',
        trigger: 'sns',
        events: () => [sns({ status: 'done' })],
        check: (r) => ((r as { status?: number }).status === 200 ? undefined : 'callback not reached'),
      },
      {
        id: 'webhook-sns/ssrf',
        type: 'attack',
        title: 'callback URL in the SNS message points at an internal host',
        techniques: ['T1', 'T6'],
        trigger: 'sns',
        events: (ctx) => [
          sns({ status: 'done', callbackUrl: `http://localhost:${ctx.canaryPort}/c/webhook-sns-ssrf` }),
        ],
        expect: [{ category: 'ssrf', minSeverity: 'high', inputPath: '$.Records[0].Sns.Message' }],
        block: { blockable: true, effect: { kind: 'connection', path: '/c/webhook-sns-ssrf' } },
      },
    ],
  },
  {
    id: 'ingest-s3',
    description: 'S3 upload hook',
    module: 'cjs',
    handler: 'index.handler',
    env: () => ({ SENTINEL_EXEC_ALLOW: 'sh,wc,echo' }),
    cases: [
      {
        id: 'ingest-s3/benign',
        type: 'benign',
        title: 'measures an uploaded photo with a space in its key',
        trigger: 's3',
        events: () => [s3('photos/cat 1.jpg')],
        check: (r) => ((r as { out?: string }).out === 'missing' ? undefined : 'unexpected output'),
      },
      {
        id: 'ingest-s3/cmd',
        type: 'attack',
        title: 'an object key that closes the quotes and runs a command',
        techniques: ['T1', 'T2'],
        trigger: 's3',
        events: (ctx) => [s3(`x"; touch "${m(ctx, 'm-s3-cmd')}`)],
        expect: [{ category: 'command_injection', minSeverity: 'high', inputPath: '$.Records[0].s3.object.key' }],
        block: { blockable: true, effect: { kind: 'process_started', file: 'm-s3-cmd' } },
      },
    ],
  },
  {
    id: 'rules-eventbridge',
    description: 'EventBridge rule evaluator (ESM)',
    module: 'esm',
    handler: 'index.handler',
    cases: [
      {
        id: 'rules-eventbridge/benign',
        type: 'benign',
        title: 'evaluates a field rule and a field lookup in vm',
        trigger: 'eventbridge',
        events: () => [
          eventBridge('order.created', { field: 'amount', threshold: 100, order: { amount: 250 } }),
          eventBridge('order.created', { expr: 'amount', order: { amount: 250 } }),
        ],
        check: (r) => ((r as { value?: string }).value === '250' ? undefined : 'wrong value'),
      },
      {
        id: 'rules-eventbridge/function',
        type: 'attack',
        title: 'the rule field injects code into new Function',
        techniques: ['T1', 'T3'],
        trigger: 'eventbridge',
        events: (ctx) => [
          eventBridge('order.created', {
            field: `amount || process.getBuiltinModule("fs").writeFileSync(${JSON.stringify(m(ctx, 'm-eb-function'))}, "x")`,
            threshold: 1,
            order: { amount: 0 },
          }),
        ],
        expect: [{ category: 'code_injection', minSeverity: 'critical', kind: 'js_syntax', inputPath: '$.detail.field' }],
        block: { blockable: true, effect: { kind: 'file_written', file: 'm-eb-function' } },
      },
      {
        id: 'rules-eventbridge/vm-escape',
        type: 'attack',
        title: 'vm expression escapes through this.constructor.constructor',
        techniques: ['T1', 'T3'],
        trigger: 'eventbridge',
        events: (ctx) => [
          eventBridge('order.created', {
            expr: `this.constructor.constructor("return process")().getBuiltinModule("fs").writeFileSync(${JSON.stringify(m(ctx, 'm-eb-vm'))}, "x")`,
            order: {},
          }),
        ],
        expect: [{ category: 'code_injection', minSeverity: 'critical', inputPath: '$.detail.expr' }],
        block: { blockable: true, effect: { kind: 'file_written', file: 'm-eb-vm' } },
      },
    ],
  },
  {
    id: 'miner-direct',
    description: 'TCP health checker, invoked directly (ESM)',
    module: 'esm',
    handler: 'index.handler',
    env: (ctx) => ({ CACHE_HOST: '127.0.0.1', CACHE_PORT: String(ctx.canaryPort) }),
    cases: [
      {
        id: 'miner-direct/benign',
        type: 'benign',
        title: 'checks the configured cache service',
        trigger: 'direct',
        events: () => [{ service: 'cache' }],
        check: (r) => ((r as { connected?: boolean }).connected ? undefined : 'not connected'),
      },
      {
        id: 'miner-direct/pool',
        type: 'attack',
        title: 'the event-chosen target is a mining pool (stratum port, pool host name)',
        techniques: ['T9'],
        trigger: 'direct',
        // Offline sandbox: the name does not resolve, so monitor mode shows the attempt, not a connection.
        events: () => [{ service: 'cache', target: 'pool.supportxmr.com:3333' }],
        expect: [{ category: 'resource_abuse', minSeverity: 'high', kind: 'mining_pool' }],
        block: { blockable: true },
      },
    ],
  },
  {
    id: 'admin-direct',
    description: 'operations function, invoked directly (ESM)',
    module: 'esm',
    handler: 'index.handler',
    env: (ctx) => ({ REPORT_URL: `${ctx.canaryUrl}/stats` }),
    cases: [
      {
        id: 'admin-direct/benign',
        type: 'benign',
        title: 'reads its log in /tmp and posts stats to the configured URL',
        trigger: 'direct',
        events: (ctx) => [{ action: 'diag', file: join(ctx.tmpDir, 'diag.log') }, { action: 'report' }],
        check: (r) => ((r as { status?: number }).status === 200 ? undefined : 'report not posted'),
      },
      {
        id: 'admin-direct/environ',
        type: 'attack',
        title: 'reads /proc/self/environ (credentials) through the file parameter',
        techniques: ['T4', 'T5'],
        trigger: 'direct',
        events: () => [{ action: 'diag', file: '/proc/self/environ' }],
        // One finding per operation: the absolute path from input, critical because the target holds credentials.
        expect: [{ category: 'path_traversal', minSeverity: 'critical', inputPath: '$.file' }],
        block: { blockable: true, effect: { kind: 'secret_leaked' } },
      },
      {
        id: 'admin-direct/exfil',
        type: 'attack',
        title: 'debug report sends the secret key to an event-chosen webhook',
        techniques: ['T5', 'T6'],
        trigger: 'direct',
        events: (ctx) => [{ action: 'report', debug: true, webhook: canary(ctx, 'admin-exfil') }],
        expect: [
          { category: 'credential_access', minSeverity: 'high' },
          { category: 'ssrf', minSeverity: 'high', inputPath: '$.webhook' },
        ],
        block: { blockable: true, effect: { kind: 'secret_leaked' } },
      },
    ],
  },
  {
    id: 'audit-ddb',
    description: 'DynamoDB stream archiver',
    module: 'cjs',
    handler: 'index.handler',
    env: () => ({ SENTINEL_EXEC_ALLOW: 'sh,echo' }),
    cases: [
      {
        id: 'audit-ddb/benign',
        type: 'benign',
        title: 'archives an item and applies preferences',
        trigger: 'dynamodb-stream',
        events: () => [dynamodbStream({ filename: { S: 'report-1.csv' }, prefs: { S: '{"theme":"dark"}' } })],
        check: (r) => (JSON.stringify(r).includes('archived report-1.csv') ? undefined : 'not archived'),
      },
      {
        id: 'audit-ddb/cmd',
        type: 'attack',
        title: 'a stream record attribute runs a command',
        techniques: ['T1', 'T2'],
        trigger: 'dynamodb-stream',
        events: (ctx) => [dynamodbStream({ filename: { S: `r.csv && touch ${m(ctx, 'm-ddb-cmd')}` } })],
        expect: [
          {
            category: 'command_injection',
            minSeverity: 'critical',
            inputPath: '$.Records[0].dynamodb.NewImage.filename.S',
          },
        ],
        block: { blockable: true, effect: { kind: 'process_started', file: 'm-ddb-cmd' } },
      },
      {
        id: 'audit-ddb/pollution',
        type: 'attack',
        title: '__proto__ in a JSON attribute pollutes Object.prototype',
        techniques: ['T13'],
        trigger: 'dynamodb-stream',
        events: () => [
          dynamodbStream({ filename: { S: 'r.csv' }, prefs: { S: '{"__proto__":{"polluted":"yes"}}' } }),
        ],
        expect: [{ category: 'prototype_pollution', minSeverity: 'high' }],
        block: notBlockable('the pollution is seen by the prototype check at the end of the invocation, after the fact'),
      },
    ],
  },
  {
    id: 'profile-v1',
    description: 'profile import with node-serialize style revival (API Gateway REST)',
    module: 'cjs',
    handler: 'index.handler',
    env: () => ({ SENTINEL_EXEC_ALLOW: 'echo' }),
    cases: [
      {
        id: 'profile-v1/benign',
        type: 'benign',
        title: 'imports a plain profile',
        trigger: 'apigw-v1',
        events: () => [apigwV1({ method: 'POST', path: '/profile', body: { profile: '{"name":"ada","plan":"pro"}' } })],
        check: (r) => ((r as { statusCode?: number }).statusCode === 200 ? undefined : 'import failed'),
      },
      {
        id: 'profile-v1/deserialize-exec',
        type: 'attack',
        title: 'serialized function runs a process (node-serialize RCE)',
        techniques: ['T1', 'T3'],
        trigger: 'apigw-v1',
        events: (ctx) => [
          apigwV1({
            method: 'POST',
            path: '/profile',
            body: {
              profile: JSON.stringify({
                name: `_$$ND_FUNC$$_function(){require("child_process").execSync("touch ${m(ctx, 'm-deser')}")}()`,
              }),
            },
          }),
        ],
        // eval is not hooked (replacing it changes semantics): what the evaluated code does carries its eval frame.
        expect: [
          { category: 'code_injection', minSeverity: 'high', kind: 'eval_origin' },
          { category: 'exec_policy', minSeverity: 'medium' },
        ],
        block: { blockable: true, effect: { kind: 'process_started', file: 'm-deser' } },
      },
      {
        id: 'profile-v1/runtime-api',
        type: 'attack',
        title: 'deserialized code connects to the Runtime API',
        techniques: ['T3', 'T7'],
        trigger: 'apigw-v1',
        events: () => [
          apigwV1({
            method: 'POST',
            path: '/profile',
            body: {
              profile: JSON.stringify({
                name: '_$$ND_FUNC$$_function(){const [h,p]=process.env.AWS_LAMBDA_RUNTIME_API.split(":");const s=require("net").connect(Number(p),h);s.on("error",()=>{});s.on("connect",()=>s.destroy())}()',
              }),
            },
          }),
        ],
        expect: [{ category: 'integrity', minSeverity: 'critical', kind: 'runtime_api_access' }],
        block: { blockable: true },
      },
      {
        id: 'profile-v1/handler-swap',
        type: 'attack',
        title: 'deserialized code replaces the exported handler for later invocations',
        techniques: ['T3', 'T7'],
        trigger: 'apigw-v1',
        events: () => [
          apigwV1({
            method: 'POST',
            path: '/profile',
            body: {
              profile: JSON.stringify({
                name: '_$$ND_FUNC$$_function(){module.exports.handler = async () => ({statusCode: 200, body: "attacker"})}()',
              }),
            },
          }),
          apigwV1({ method: 'POST', path: '/profile', body: { profile: '{"name":"next"}' } }),
        ],
        expect: [{ category: 'integrity', minSeverity: 'high', kind: 'handler_swapped' }],
        block: notBlockable(
          'the swap is an assignment to module.exports, seen when the next invocation starts; the runtime keeps calling the handler it loaded, so there is no effect to stop',
        ),
      },
    ],
  },
  {
    id: 'plugins-direct',
    description: 'plugin host, invoked directly',
    module: 'cjs',
    handler: 'index.handler',
    cases: [
      {
        id: 'plugins-direct/benign',
        type: 'benign',
        title: 'loads a bundled plugin chosen by the event',
        trigger: 'direct',
        events: () => [{ use: 'csv' }, { use: 'json' }],
        check: (r) => ((r as { value?: string }).value === 'json' ? undefined : 'plugin not loaded'),
      },
      {
        id: 'plugins-direct/dropped-module',
        type: 'attack',
        title: 'a plugin from the event is written to /tmp and required',
        techniques: ['T8'],
        trigger: 'direct',
        events: (ctx) => [
          {
            install: {
              name: 'evil',
              source: `require("fs").writeFileSync(${JSON.stringify(m(ctx, 'm-drop-require'))}, "x");`,
            },
          },
        ],
        expect: [{ category: 'dropper', minSeverity: 'high' }],
        block: { blockable: true, effect: { kind: 'file_written', file: 'm-drop-require' } },
      },
      {
        id: 'plugins-direct/dropped-exec',
        type: 'attack',
        title: 'a script from the event is written to /tmp, made executable and run',
        techniques: ['T8'],
        trigger: 'direct',
        events: (ctx) => [{ tool: { name: 'tool.sh', script: `#!/bin/sh\ntouch ${m(ctx, 'm-drop-exec')}\n` } }],
        // Block mode stops the chmod of the dropped file already (dropper/chmod_tmp), so the exec is never tried.
        expect: [{ category: 'dropper', minSeverity: 'high' }],
        block: { blockable: true, effect: { kind: 'process_started', file: 'm-drop-exec' } },
      },
      {
        id: 'plugins-direct/binding',
        type: 'attack',
        title: 'raw internal bindings (process.binding) reached from user code',
        techniques: ['T12'],
        trigger: 'direct',
        events: () => [{ debug: 'binding' }],
        expect: [{ category: 'integrity', minSeverity: 'high', kind: 'process_binding' }],
        // Block mode refuses the bindings that spawn, connect or touch files (the finding says blocked).
        block: { blockable: true },
      },
    ],
  },
  {
    id: 'trojan-init',
    description: 'ordinary handler with trojaned dependencies',
    module: 'cjs',
    handler: 'index.handler',
    env: (ctx) => ({ TELEMETRY_URL: `http://localhost:${ctx.canaryPort}`, SENTINEL_EXEC_ALLOW: 'echo' }),
    cases: [
      {
        id: 'trojan-init/benign',
        type: 'benign',
        title: 'greets in English',
        trigger: 'direct',
        events: () => [{ locale: 'en' }],
        check: (r) => ((r as { greeting?: string }).greeting === 'Hello' ? undefined : 'no greeting'),
      },
      {
        id: 'trojan-init/steal-at-require',
        type: 'attack',
        title: 'a dependency reads the secret key at require time and sends it out',
        techniques: ['T5', 'T10'],
        trigger: 'direct',
        scope: 'init',
        events: () => [{ locale: 'en' }],
        expect: [{ category: 'credential_access', minSeverity: 'high' }],
        block: { blockable: true, effect: { kind: 'secret_leaked' } },
      },
      {
        id: 'trojan-init/exec-at-late-require',
        type: 'attack',
        title: 'a lazily required dependency starts a shell during an invocation',
        techniques: ['T10'],
        trigger: 'direct',
        events: () => [{ locale: 'de' }],
        expect: [{ category: 'exec_policy', minSeverity: 'medium', kind: 'not_allowed' }],
        block: { blockable: true, effect: { kind: 'process_started', file: 'm-trojan-exec' } },
      },
    ],
  },
  {
    id: 'preload-config',
    description: 'ordinary handler deployed with an injected NODE_OPTIONS preload',
    module: 'cjs',
    handler: 'index.handler',
    env: (ctx) => ({ NODE_OPTIONS: `--require ${join(ctx.codeDir, 'telemetry-preload.js')}` }),
    cases: [
      {
        id: 'preload-config/foreign-preload',
        type: 'attack',
        title: 'NODE_OPTIONS preloads a file that is not Sentinel (configuration persistence)',
        techniques: ['T11'],
        trigger: 'direct',
        scope: 'init',
        events: () => [{ id: 1 }],
        expect: [{ category: 'configuration', minSeverity: 'medium', kind: 'foreign_preload' }],
        block: notBlockable(
          'the preload runs before any guard code; the cold-start self-check reports it (the response playbook can quarantine)',
        ),
      },
    ],
  },
];
