import { buildContext, forwardTraceId, normalizeHeaders } from './context';
import { PlatformError } from './errors';

const env = {
  AWS_LAMBDA_FUNCTION_NAME: 'fn',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn',
  AWS_LAMBDA_LOG_STREAM_NAME: 'stream',
};
const headers = normalizeHeaders({
  'lambda-runtime-aws-request-id': 'r1',
  'lambda-runtime-deadline-ms': String(Date.now() + 3000),
  'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:1:function:fn',
  'lambda-runtime-trace-id': 'Root=1-abc',
});

describe('buildContext', () => {
  test('fields from env and headers; RIC 4.x adds xRayTraceId', () => {
    const ric3 = buildContext(headers, env, { strict: false });
    expect(ric3).toMatchObject({
      functionName: 'fn',
      functionVersion: '$LATEST',
      memoryLimitInMB: '256',
      awsRequestId: 'r1',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:fn',
      identity: undefined,
      clientContext: undefined,
      tenantId: undefined,
    });
    expect(ric3).not.toHaveProperty('xRayTraceId');
    expect(ric3.getRemainingTimeInMillis()).toBeGreaterThan(2000);
    expect(buildContext(headers, env, { strict: true }).xRayTraceId).toBe('Root=1-abc');
  });

  test('RIC 4.x refuses a missing environment or deadline; RIC 3.x does not', () => {
    const partial = { AWS_LAMBDA_FUNCTION_NAME: 'fn' };
    expect(() => buildContext(headers, partial, { strict: true })).toThrow(PlatformError);
    expect(() => buildContext(headers, partial, { strict: false })).not.toThrow();
    const noDeadline = { ...headers, 'lambda-runtime-deadline-ms': undefined };
    delete noDeadline['lambda-runtime-deadline-ms'];
    expect(() => buildContext(noDeadline, env, { strict: true })).toThrow('Missing required headers');
  });

  test('bad JSON in identity headers is an error naming the header', () => {
    const bad = { ...headers, 'lambda-runtime-cognito-identity': '{' };
    expect(() => buildContext(bad, env, { strict: false })).toThrow(/Cannot parse CognitoIdentity as json/);
  });
});

test('forwardTraceId sets and clears _X_AMZN_TRACE_ID', () => {
  const e: NodeJS.ProcessEnv = {};
  forwardTraceId(headers, e);
  expect(e._X_AMZN_TRACE_ID).toBe('Root=1-abc');
  forwardTraceId({}, e);
  expect(e).not.toHaveProperty('_X_AMZN_TRACE_ID');
});
