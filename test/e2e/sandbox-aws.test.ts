/**
 * The sandbox with the local AWS stand-ins: a changed function configuration applies at the next cold start,
 * reserved concurrency 0 throttles invokes, and several environments of one function run side by side (a fleet).
 */
import {
  LambdaClient,
  PutFunctionConcurrencyCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { type AwsStack, startAwsStack } from '../../scripts/sandbox/aws';
import type { FunctionEnvironment } from '../../scripts/sandbox/emulator';
import { testEnvironment } from './helpers/sandbox';

jest.setTimeout(60_000);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

describe('sandbox with the AWS stand-ins', () => {
  let stack: AwsStack;
  let lambda: LambdaClient;
  const envs: FunctionEnvironment[] = [];

  beforeAll(async () => {
    stack = await startAwsStack();
    lambda = new LambdaClient({
      region: stack.region,
      endpoint: stack.env.AWS_ENDPOINT_URL_LAMBDA,
      credentials: { accessKeyId: stack.env.AWS_ACCESS_KEY_ID, secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY },
    });
  });
  afterAll(async () => {
    for (const e of envs) await e.dispose();
    lambda?.destroy();
    await stack?.stop();
  });
  const envFor = async (functionName: string, env: Record<string, string> = {}) => {
    const e = await testEnvironment({ functionName, env, aws: stack });
    envs.push(e);
    return e;
  };
  const fnEnv = async (e: FunctionEnvironment) =>
    ((await e.invoke({ do: 'env' })).response as { env: Record<string, string> }).env;

  test('a configuration change applies at the next cold start, not to the warm environment', async () => {
    const env = await envFor('config-fn', { MODE: 'one' });
    const first = await fnEnv(env);
    expect(first.MODE).toBe('one');
    expect(first.AWS_ENDPOINT_URL_SNS).toBe(stack.env.AWS_ENDPOINT_URL_SNS);
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'config-fn',
        Environment: { Variables: { MODE: 'two' } },
      }),
    );
    expect((await fnEnv(env)).MODE).toBe('one'); // warm: unchanged
    await env.invoke({ do: 'exit' }); // crash → reset → next invoke is a cold start
    expect((await fnEnv(env)).MODE).toBe('two');
    // a new environment of the same function starts with the stored configuration, not its own options
    const other = await envFor('config-fn', { MODE: 'ignored' });
    expect((await fnEnv(other)).MODE).toBe('two');
  });

  test('reserved concurrency 0 throttles invokes with 429 before anything runs', async () => {
    const env = await envFor('throttled-fn');
    expect((await env.invoke({})).statusCode).toBe(200);
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'throttled-fn', ReservedConcurrentExecutions: 0 }),
    );
    const r = await env.invoke({});
    expect(r.statusCode).toBe(429);
    expect(r.error?.errorType).toBe('TooManyRequestsException');
    await env.settled();
    const starts = env.report().platformEvents.filter((e) => e.type === 'platform.start');
    expect(starts).toHaveLength(1);
  });

  test('two environments of the same function run at the same time', async () => {
    const [a, b] = await Promise.all([envFor('fleet-fn'), envFor('fleet-fn')]);
    expect(a.runtimeApi).not.toBe(b.runtimeApi);
    expect(a.tmpDir).not.toBe(b.tmpDir);
    await Promise.all([a.invoke({}), b.invoke({})]); // cold starts out of the way
    const t0 = Date.now();
    const [ra, rb] = await Promise.all([a.invoke({ do: 'sleep', ms: 700 }), b.invoke({ do: 'sleep', ms: 700 })]);
    expect(Date.now() - t0).toBeLessThan(1_300); // overlapping, not one after the other (≥ 1 400 ms)
    expect([ra.response, rb.response]).toEqual([{ slept: 700 }, { slept: 700 }]);
    const [ta, tb] = await Promise.all([a.invoke({ do: 'tmp', value: 'A' }), b.invoke({ do: 'tmp', value: 'B' })]);
    expect((ta.response as { tmpdir: string }).tmpdir).toBe(a.tmpDir);
    expect((tb.response as { tmpdir: string }).tmpdir).toBe(b.tmpDir);
  });
});
