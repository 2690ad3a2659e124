/**
 * The invoke loop against a fake Runtime API: context object, trace id, results and errors, callback handlers
 * (RIC 3.x) vs their rejection (RIC 4.x), crashes during an invocation, streaming. Real child processes.
 */
import { join } from 'node:path';
import { availableRuntimes } from '../../lib/runtimes';
import { CALLBACK_WARNING } from './ric3-runtime';
import { CALLBACK_ERROR_NODEJS24_ABOVE } from './ric4-runtime';
import { initOutcome, type Started, useRuntimeHarness } from './testing/harness';
import { HANDLER_FIXTURES as FIX } from './testing/runtime-process';

jest.setTimeout(30_000);

const runtimes = availableRuntimes();
const ric3 = runtimes.filter((r) => r.major < 24);
const ric4 = runtimes.filter((r) => r.major >= 24);

function errorBody(body: string): { errorType: string; errorMessage: string; trace: string[] } {
  return JSON.parse(body);
}

async function ready(s: Started): Promise<Started> {
  expect(await initOutcome(s)).toBe('ready');
  return s;
}

describe.each(runtimes)('invoke loop on Node $major', ({ major, node }) => {
  const h = useRuntimeHarness();
  const cjs = (handler: string, env?: Record<string, string>) =>
    h.start({ node, taskRoot: join(FIX, 'cjs'), handler, env }).then(ready);

  test('context object, trace id and warm invocations', async () => {
    const s = await cjs('index.handler');
    const identity = { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' };
    const clientContext = { client: { app_title: 'demo' }, custom: { k: 'v' } };
    const first = await s.api.invoke({
      event: { hello: 'world' },
      requestId: 'req-1',
      deadlineMs: Date.now() + 10_000,
      headers: {
        'Lambda-Runtime-Trace-Id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
        'Lambda-Runtime-Cognito-Identity': JSON.stringify(identity),
        'Lambda-Runtime-Client-Context': JSON.stringify(clientContext),
        'Lambda-Runtime-Aws-Tenant-Id': 'tenant-7',
      },
    });
    expect(first.kind).toBe('response');
    const r = JSON.parse(first.body);
    expect(r.event).toEqual({ hello: 'world' });
    expect(r.context).toMatchObject({
      functionName: 'fixture',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:012345678912:function:fixture',
      memoryLimitInMB: '128',
      awsRequestId: 'req-1',
      logGroupName: '/aws/lambda/fixture',
      logStreamName: '2026/01/01/[$LATEST]0123456789abcdef',
      identity,
      clientContext,
      tenantId: 'tenant-7',
      hasCallbackWaits: major < 24,
      succeedType: major < 24 ? 'function' : 'undefined',
    });
    expect(r.context.remaining).toBeGreaterThan(5_000);
    expect(r.context.remaining).toBeLessThanOrEqual(10_000);
    expect(r.env.traceId).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
    expect(r.env.executionEnv).toBe(`AWS_Lambda_nodejs${major}.x`);
    expect(r.awslambda).toBe('function');

    // Warm invoke on the same process: the trace id is cleared when the header is absent.
    const second = await s.api.invoke({ event: [1, 2], requestId: 'req-2' });
    const r2 = JSON.parse(second.body);
    expect(r2.event).toEqual([1, 2]);
    expect(r2.context.awsRequestId).toBe('req-2');
    expect(r2.env.traceId).toBeUndefined();
    // After posting, the runtime asks for the next event on the same process.
    await s.api.waitForNext(3);
    expect(s.run.child.exitCode).toBeNull();
  });

  test('AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA=true leaves globalThis.awslambda undefined', async () => {
    const s = await cjs('index.handler', { AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA: 'true' });
    expect(JSON.parse((await s.api.invoke({ event: {} })).body).awslambda).toBe('undefined');
  });

  test('a thrown error is posted with the error-type header and the process lives on', async () => {
    const s = await cjs('index.throws');
    const posted = await s.api.invoke({ event: {} });
    expect(posted.kind).toBe('error');
    expect(posted.headers['lambda-runtime-function-error-type']).toBe('TypeError');
    const body = errorBody(posted.body);
    expect(body).toMatchObject({ errorType: 'TypeError', errorMessage: 'nope' });
    expect(body.trace[0]).toBe('TypeError: nope');
    expect(await s.run.stdoutWhen((o) => o.includes('Invoke Error'))).toMatch(/\tERROR\tInvoke Error /);
    const again = await s.api.invoke({ event: {} });
    expect(again.kind).toBe('error');
  });

  test('an unserialisable result is reported as an error', async () => {
    const s = await cjs('index.unserialisable');
    const posted = await s.api.invoke({ event: {} });
    expect(posted.kind).toBe('error');
    expect(errorBody(posted.body)).toMatchObject(
      major >= 24
        ? { errorType: 'Runtime.JSONStringifyError', errorMessage: 'Unable to stringify response body' }
        : { errorType: 'Error', errorMessage: 'Unable to stringify response body' },
    );
  });

  test('an uncaught exception during an invocation ends the process', async () => {
    const s = await cjs('index.uncaught');
    const invoked = s.api.invoke({ event: {} });
    const { code } = await s.run.exited;
    if (major >= 24) {
      // RIC 4.x installs no handler: Node prints the error and exits 1; nothing is posted (Runtime.ExitError).
      expect(code).toBe(1);
      expect(s.api.posts).toHaveLength(0);
      expect(s.run.stderr()).toContain('async boom');
    } else {
      expect(code).toBe(129);
      const posted = await invoked;
      expect(posted.kind).toBe('error');
      expect(errorBody(posted.body)).toMatchObject({ errorType: 'Error', errorMessage: 'async boom' });
      expect(await s.run.stdoutWhen((o) => o.includes('async boom'))).toMatch(
        /\tERROR\tUncaught Exception \t\{"errorType":"Error","errorMessage":"async boom"/,
      );
    }
  });

  test('an unhandled rejection during an invocation ends the process', async () => {
    const s = await cjs('index.unhandled');
    const invoked = s.api.invoke({ event: {} });
    const { code } = await s.run.exited;
    if (major >= 24) {
      expect(code).toBe(1);
      expect(s.api.posts).toHaveLength(0);
    } else {
      expect(code).toBe(128);
      const posted = await invoked;
      expect(errorBody(posted.body)).toMatchObject({
        errorType: 'Runtime.UnhandledPromiseRejection',
        errorMessage: 'Error: rejected later',
      });
    }
  });

  test('an unhandled rejection at init', async () => {
    const s = await h.start({ node, taskRoot: join(FIX, 'init-rejects'), handler: 'index.handler' });
    const { code } = await s.run.exited;
    if (major >= 24) {
      expect(code).toBe(1);
      expect(s.api.posts.filter((p) => p.kind === 'init-error')).toHaveLength(0);
    } else {
      expect(code).toBe(128);
      const posted = await s.api.initError();
      expect(errorBody(posted.body)).toMatchObject({
        errorType: 'Runtime.UnhandledPromiseRejection',
        errorMessage: 'Error: init rejected',
      });
    }
  });

  test('response streaming', async () => {
    const s = await h.start({ node, taskRoot: join(FIX, 'streaming'), handler: 'index.handler' }).then(ready);
    const posted = await s.api.invoke({ event: {} });
    expect(posted.kind).toBe('response');
    expect(posted.headers['lambda-runtime-function-response-mode']).toBe('streaming');
    expect(posted.headers['content-type']).toBe('text/plain');
    expect(posted.body).toBe('hello stream');
    const s2 = await h.start({ node, taskRoot: join(FIX, 'streaming'), handler: 'index.fails' }).then(ready);
    const failed = await s2.api.invoke({ event: {} });
    expect(failed.body).toBe('partial');
    expect(failed.trailers['lambda-runtime-function-error-type']).toBe('Error');
    const trailerBody = JSON.parse(
      Buffer.from(failed.trailers['lambda-runtime-function-error-body']!, 'base64').toString(),
    );
    expect(trailerBody).toMatchObject({ errorType: 'Error', errorMessage: 'stream broke' });
  });
});

describe.each(ric3)('callback handlers on Node $major (RIC 3.x)', ({ node }) => {
  const h = useRuntimeHarness();
  const cb = (handler: string, env?: Record<string, string>) =>
    h.start({ node, taskRoot: join(FIX, 'callback'), handler, env }).then(ready);

  test('callback result is posted, with the deprecation warning at init', async () => {
    const s = await cb('index.handler');
    const posted = await s.api.invoke({ event: { x: 1 } });
    expect(JSON.parse(posted.body)).toEqual({ via: 'callback', event: { x: 1 } });
    await s.run.stdoutWhen((o) => o.includes(CALLBACK_WARNING));
    expect(s.run.lines().find((l) => l.includes('\tWARN\t'))).toMatch(
      /^\S+\tundefined\tWARN\tAWS Lambda plans to remove support/,
    );
    expect(s.run.stdout()).toContain(CALLBACK_WARNING);
  });

  test('AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING silences the warning', async () => {
    const s = await cb('index.handler', { AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING: '1' });
    await s.api.invoke({ event: {} });
    expect(s.run.stdout()).not.toContain('AWS Lambda plans to remove support');
  });

  test('callbackWaitsForEmptyEventLoop: true waits for pending timers, false does not', async () => {
    const s = await cb('index.waits');
    let t0 = Date.now();
    const waited = await s.api.invoke({ event: {} });
    const waitedMs = Date.now() - t0;
    expect(JSON.parse(waited.body)).toBe('after-empty-loop');
    expect(waitedMs).toBeGreaterThanOrEqual(350);

    const s2 = await cb('index.noWait');
    t0 = Date.now();
    const quick = await s2.api.invoke({ event: {} });
    expect(JSON.parse(quick.body)).toBe('immediately');
    expect(Date.now() - t0).toBeLessThan(350);
  });

  test('callback(error), context.succeed, and a handler that never calls back', async () => {
    const failing = await cb('index.fails');
    const failed = await failing.api.invoke({ event: {} });
    expect(failed.kind).toBe('error');
    expect(errorBody(failed.body)).toMatchObject({ errorType: 'RangeError', errorMessage: 'callback error' });

    const succeeding = await cb('index.viaSucceed');
    expect(JSON.parse((await succeeding.api.invoke({ event: {} })).body)).toBe('via-succeed');

    // The event loop drains without a callback: a sync handler gets a null response.
    const silent = await cb('index.neverCalls');
    const posted = await silent.api.invoke({ event: {} });
    expect(posted.kind).toBe('response');
    expect(posted.body).toBe('null');
  });

  test('an async handler whose promise never settles is Runtime.NodeJsExit', async () => {
    const s = await h.start({ node, taskRoot: join(FIX, 'cjs'), handler: 'index.asyncNever' }).then(ready);
    const posted = await s.api.invoke({ event: {} });
    expect(posted.kind).toBe('error');
    expect(errorBody(posted.body).errorType).toBe('Runtime.NodeJsExit');
  });
});

// Without `make runtimes` there is no Node 24: skip (jest refuses describe.each of an empty table).
(ric4.length > 0 ? describe.each(ric4) : describe.skip.each([{ node: '', major: 24 }]))(
  'callback handlers on Node $major (RIC 4.x)',
  ({ node }) => {
    const h = useRuntimeHarness();
    test('a handler with three parameters is rejected at init', async () => {
      const s = await h.start({ node, taskRoot: join(FIX, 'callback'), handler: 'index.handler' });
      const posted = await s.api.initError();
      expect(posted.headers['lambda-runtime-function-error-type']).toBe('Runtime.CallbackHandlerDeprecated');
      expect(errorBody(posted.body).errorMessage).toBe(CALLBACK_ERROR_NODEJS24_ABOVE);
      expect((await s.run.exited).code).toBe(1);
    });

    test('two-parameter handlers on the same module still load', async () => {
      const s = await h.start({ node, taskRoot: join(FIX, 'callback'), handler: 'index.viaSucceed' }).then(ready);
      // context.succeed no longer exists on RIC 4.x, so the handler throws.
      const posted = await s.api.invoke({ event: {} });
      expect(errorBody(posted.body)).toMatchObject({ errorType: 'TypeError' });
    });
  },
);
