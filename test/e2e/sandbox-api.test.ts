/**
 * The platform APIs answer exactly as documented (lambda-platform.md §2.2–2.4, §3.1, §4): the test itself plays
 * the runtime and an extension (both processes are `sleep`), so every request and header is under its control.
 */
import type { FunctionEnvironment } from '../../scripts/sandbox/emulator';
import { call, makeLayer, type RawResponse, type TempLayer, testEnvironment } from './helpers/sandbox';

jest.setTimeout(30_000);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SLEEPER = '#!/bin/bash\nexec sleep 600\n';
const EXT = '/2020-01-01/extension';
const RT = '/2018-06-01/runtime';

const errorOf = (r: RawResponse) => ({ status: r.status, errorType: (r.json() as { errorType?: string }).errorType });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('platform APIs driven by hand', () => {
  let layer: TempLayer;
  let env: FunctionEnvironment;
  let api: string;
  let probeId: string;
  let internalId: string;

  beforeAll(async () => {
    layer = makeLayer();
    layer.addScript('extensions/probe', SLEEPER);
    const bootstrap = layer.addScript('fake-runtime/bootstrap', SLEEPER);
    env = await testEnvironment({ layerDir: layer.dir, bootstrap, shutdownBudgetMs: 300, runtimeShutdownShareMs: 100 });
    api = env.runtimeApi;
  });
  afterAll(async () => {
    await env?.dispose();
    layer?.cleanup();
  });

  const register = (name: string | undefined, body: string | undefined, headers: Record<string, string> = {}) =>
    call(api, 'POST', `${EXT}/register`, {
      headers: { ...(name !== undefined ? { 'Lambda-Extension-Name': name } : {}), ...headers },
      body,
    });
  const withId = (id: string) => ({ 'Lambda-Extension-Identifier': id });
  const subscribe = (id: string | undefined, body: unknown) =>
    call(api, 'PUT', '/2022-07-01/telemetry', {
      headers: { ...(id ? withId(id) : {}), 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const validSub = {
    schemaVersion: '2022-12-13',
    types: ['platform'],
    buffering: { maxItems: 1000, maxBytes: 262144, timeoutMs: 25 },
    destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:1234/t' },
  };

  test('walk through init, one invoke and the error answers of every API', async () => {
    const init = env.init();

    // --- register
    expect(errorOf(await register(undefined, '{}'))).toEqual({
      status: 403,
      errorType: 'Extension.InvalidExtensionName',
    });
    expect(errorOf(await register('probe', ''))).toEqual({ status: 403, errorType: 'InvalidRequestFormat' });
    expect(errorOf(await register('probe', '{nope'))).toEqual({ status: 403, errorType: 'InvalidRequestFormat' });
    expect(errorOf(await register('probe', '{"events":["FOO"]}'))).toEqual({
      status: 403,
      errorType: 'Extension.InvalidEventType',
    });
    expect(errorOf(await register('probe', '{"configurationKeys":["a"]}'))).toEqual({
      status: 403,
      errorType: 'InvalidRequestFormat',
    });
    const ok = await register('probe', '{"events":["INVOKE","SHUTDOWN"]}');
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({
      functionName: 'sandbox-function',
      functionVersion: '$LATEST',
      handler: 'index.handler',
    });
    probeId = String(ok.headers['lambda-extension-identifier']);
    expect(probeId).toMatch(UUID);
    expect(errorOf(await register('probe', '{"events":[]}'))).toEqual({
      status: 403,
      errorType: 'Extension.InvalidExtensionState',
    });
    // a name that is not a launched file is an internal extension: no SHUTDOWN
    expect(errorOf(await register('internal-x', '{"events":["SHUTDOWN"]}'))).toEqual({
      status: 403,
      errorType: 'Extension.InvalidEventType',
    });
    const internal = await register('internal-x', '{"events":["INVOKE"]}', {
      'Lambda-Extension-Accept-Feature': 'accountId',
    });
    expect(internal.json()).toMatchObject({ accountId: '123456789012' });
    internalId = String(internal.headers['lambda-extension-identifier']);

    // --- identifier header errors
    const next = (headers: Record<string, string>) => call(api, 'GET', `${EXT}/event/next`, { headers });
    expect(errorOf(await next({}))).toEqual({ status: 403, errorType: 'Extension.MissingExtensionIdentifier' });
    expect(errorOf(await next(withId('not-a-uuid')))).toEqual({
      status: 403,
      errorType: 'Extension.InvalidExtensionIdentifier',
    });
    expect(errorOf(await next(withId('00000000-0000-4000-8000-000000000000')))).toEqual({
      status: 403,
      errorType: 'Extension.UnknownExtensionIdentifier',
    });
    expect(errorOf(await call(api, 'POST', `${EXT}/init/error`, { headers: withId(probeId), body: '{}' }))).toEqual({
      status: 403,
      errorType: 'Extension.MissingHeader',
    });

    // --- telemetry validation
    expect(errorOf(await subscribe(undefined, validSub))).toEqual({
      status: 403,
      errorType: 'Extension.MissingExtensionIdentifier',
    });
    expect(errorOf(await subscribe(probeId, '{bad'))).toEqual({ status: 400, errorType: 'ValidationError' });
    const invalid: [string, unknown][] = [
      ['schema', { ...validSub, schemaVersion: '2020-01-01' }],
      ['no types', { ...validSub, types: [] }],
      ['bad type', { ...validSub, types: ['platform', 'logs'] }],
      ['maxItems', { ...validSub, buffering: { maxItems: 10 } }],
      ['maxBytes', { ...validSub, buffering: { maxBytes: 2_000_000 } }],
      ['timeoutMs', { ...validSub, buffering: { timeoutMs: 20 } }],
      ['https', { ...validSub, destination: { protocol: 'HTTP', URI: 'https://sandbox.localdomain:1234/' } }],
      ['host', { ...validSub, destination: { protocol: 'HTTP', URI: 'http://localhost:1234/' } }],
      ['port 9001', { ...validSub, destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:9001/' } }],
      ['protocol', { ...validSub, destination: { protocol: 'UDP', port: 3 } }],
    ];
    for (const [what, body] of invalid) {
      const r = await subscribe(probeId, body);
      expect([what, errorOf(r)]).toEqual([what, { status: 400, errorType: 'ValidationError' }]);
    }
    const noPort = await subscribe(probeId, {
      ...validSub,
      destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain/' },
    });
    expect(noPort.json()).toEqual({ errorType: 'ValidationError', errorMessage: 'URI port is not provided' });
    const sub = await subscribe(probeId, validSub);
    expect([sub.status, sub.json()]).toEqual([200, 'OK']);
    const logs = await call(api, 'PUT', '/2020-08-15/logs', { headers: withId(probeId), body: '{}' });
    expect(errorOf(logs)).toEqual({ status: 202, errorType: 'Logs.NotSupported' });

    // --- runtime: unknown ids, then its first /next closes registration
    expect(errorOf(await call(api, 'POST', `${RT}/invocation/abc/response`, { body: '{}' }))).toEqual({
      status: 400,
      errorType: 'InvalidRequestID',
    });
    const runtimeNext = call(api, 'GET', `${RT}/invocation/next`);
    await sleep(100);
    expect(errorOf(await register('late', '{}'))).toEqual({ status: 403, errorType: 'Extension.RegistrationClosed' });
    // init completes once every extension called event/next
    const probeNext = next(withId(probeId));
    const internalNext = next(withId(internalId));
    expect(await init).toMatchObject({ status: 'success', phase: 'init' });
    expect(errorOf(await subscribe(probeId, validSub))).toEqual({
      status: 403,
      errorType: 'Telemetry.SubscriptionClosed',
    });
    expect(errorOf(await call(api, 'POST', `${RT}/init/error`, { body: '{}' }))).toEqual({
      status: 403,
      errorType: 'InvalidStateTransition',
    });

    // --- invoke: headers of /next, INVOKE with tracing
    const trace = 'Root=1-5f35ae12-0c0fec141ab77a00bc047aa2;Parent=2be948a625588e32;Sampled=1';
    const invoked = env.invoke(
      { x: 1 },
      {
        traceId: trace,
        clientContext: '{"custom":{"k":"v"}}',
        cognitoIdentity: { cognitoIdentityId: 'id', cognitoIdentityPoolId: 'pool' },
      },
    );
    const ev = await runtimeNext;
    expect(ev.status).toBe(200);
    expect(ev.json()).toEqual({ x: 1 });
    const rid = String(ev.headers['lambda-runtime-aws-request-id']);
    expect(rid).toMatch(UUID);
    expect(ev.headers).toMatchObject({
      'content-type': 'application/json',
      'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:sandbox-function',
      'lambda-runtime-trace-id': trace,
      'lambda-runtime-client-context': '{"custom":{"k":"v"}}',
      'lambda-runtime-cognito-identity': '{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}',
    });
    const deadline = Number(ev.headers['lambda-runtime-deadline-ms']);
    expect(deadline).toBeGreaterThan(Date.now() + 2_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 3_000);
    const invokeEvent = (await probeNext).json();
    expect(invokeEvent).toEqual({
      eventType: 'INVOKE',
      requestId: rid,
      deadlineMs: deadline,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:sandbox-function',
      tracing: { type: 'X-Amzn-Trace-Id', value: trace },
    });
    expect((await internalNext).json()).toMatchObject({ eventType: 'INVOKE', requestId: rid });

    // --- response: stale id, success, duplicate
    const respond = (id: string, body: string | Buffer) =>
      call(api, 'POST', `${RT}/invocation/${id}/response`, { body });
    expect(errorOf(await respond('5a5a5a5a-0000-4000-8000-000000000000', '1'))).toEqual({
      status: 400,
      errorType: 'InvalidRequestID',
    });
    const accepted = await respond(rid, '{"ok":true}');
    expect([accepted.status, accepted.json()]).toEqual([202, { status: 'OK' }]);
    expect((await invoked).response).toEqual({ ok: true });
    expect(errorOf(await respond(rid, '2'))).toEqual({ status: 403, errorType: 'InvalidStateTransition' });

    // runtimeDone only when the runtime asks for more; report only after both extensions called event/next
    const types = () => env.report().platformEvents.map((e) => e.type);
    expect(types()).not.toContain('platform.runtimeDone');
    const runtimeNext2 = call(api, 'GET', `${RT}/invocation/next`);
    await sleep(100);
    expect(types()).toContain('platform.runtimeDone');
    const probeNext2 = next(withId(probeId));
    await sleep(100);
    expect(types()).not.toContain('platform.report');
    const internalNext2 = next(withId(internalId));
    await env.settled();
    expect(types().filter((t) => t === 'platform.report')).toHaveLength(1);

    // --- an oversized response: 413, then the runtime's /error for the same id is accepted
    const big = env.invoke({});
    const ev2 = await runtimeNext2;
    const rid2 = String(ev2.headers['lambda-runtime-aws-request-id']);
    expect(errorOf(await respond(rid2, Buffer.alloc(6 * 1024 * 1024 + 101, 0x61)))).toEqual({
      status: 413,
      errorType: 'RequestEntityTooLarge',
    });
    const errPost = await call(api, 'POST', `${RT}/invocation/${rid2}/error`, {
      headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.Whatever' },
      body: '{"errorMessage":"x","errorType":"Runtime.Whatever"}',
    });
    expect(errPost.status).toBe(202);
    expect((await big).error?.errorType).toBe('Function.ResponseSizeTooLarge');
    await Promise.all([probeNext2, internalNext2]);

    // --- exit/error: header required; then the extension's error fails the phase and resets the environment
    const exitError = (headers: Record<string, string>) =>
      call(api, 'POST', `${EXT}/exit/error`, {
        headers: { ...withId(probeId), ...headers },
        body: '{"errorMessage":"bye"}',
      });
    expect(errorOf(await exitError({}))).toEqual({ status: 403, errorType: 'Extension.MissingHeader' });
    const exited = await exitError({ 'Lambda-Extension-Function-Error-Type': 'Extension.Broken' });
    expect([exited.status, exited.json()]).toEqual([202, { status: 'OK' }]);
    await env.settled();
    const rep = env.report();
    expect(rep.platformErrors.map((e) => e.errorType)).toContain('Extension.ExitError');
    expect(rep.invocations[1]).toMatchObject({ requestId: rid2, status: 'error', errorType: 'Extension.ExitError' });
    expect(rep.shutdowns.map((x) => x.reason)).toEqual(['failure']);

    // --- unknown routes and methods
    expect(errorOf(await call(api, 'GET', '/2018-06-01/nothing'))).toEqual({ status: 404, errorType: 'NotFound' });
    expect(errorOf(await call(api, 'POST', `${EXT}/event/next`, { headers: withId(probeId) }))).toEqual({
      status: 405,
      errorType: 'MethodNotAllowed',
    });
  });
});

describe('runtime init/error', () => {
  test('the runtime reporting an init error fails init with that error type', async () => {
    const layer = makeLayer();
    const bootstrap = layer.addScript(
      'fake-runtime/bootstrap',
      `#!/bin/bash
curl -sS -X POST "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/init/error" \\
  -H 'Lambda-Runtime-Function-Error-Type: Runtime.UserCodeSyntaxError' -d '{"errorMessage":"bad","errorType":"Runtime.UserCodeSyntaxError"}' >/dev/null
exit 129
`,
    );
    const env = await testEnvironment({ bootstrap });
    try {
      const init = await env.init();
      expect(init).toMatchObject({ status: 'error', errorType: 'Runtime.UserCodeSyntaxError', errorMessage: 'bad' });
    } finally {
      await env.dispose();
      layer.cleanup();
    }
  });
});
