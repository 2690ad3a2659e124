/**
 * The handler's `context` object, built from the `/next` headers and the function's environment
 * (lambda-platform.md §4, §5.3). RIC 4.x additionally validates both and exposes `xRayTraceId`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { PlatformError } from './errors';

export const INVOKE_HEADERS = {
  clientContext: 'lambda-runtime-client-context',
  cognitoIdentity: 'lambda-runtime-cognito-identity',
  functionArn: 'lambda-runtime-invoked-function-arn',
  requestId: 'lambda-runtime-aws-request-id',
  deadlineMs: 'lambda-runtime-deadline-ms',
  traceId: 'lambda-runtime-trace-id',
  tenantId: 'lambda-runtime-aws-tenant-id',
} as const;

const REQUIRED_HEADERS = [INVOKE_HEADERS.functionArn, INVOKE_HEADERS.requestId, INVOKE_HEADERS.deadlineMs];
const REQUIRED_ENV = [
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
];

export type InvokeHeaders = Record<string, string | undefined>;

export interface LambdaContext {
  functionName: string | undefined;
  functionVersion: string | undefined;
  invokedFunctionArn: string | undefined;
  /** A string, as the managed runtime passes the environment value through. */
  memoryLimitInMB: string | undefined;
  awsRequestId: string;
  logGroupName: string | undefined;
  logStreamName: string | undefined;
  identity: unknown;
  clientContext: unknown;
  tenantId: string | undefined;
  xRayTraceId?: string;
  getRemainingTimeInMillis(): number;
}

/** Lower-cases names and flattens repeated headers (Node already lower-cases incoming ones). */
export function normalizeHeaders(headers: IncomingHttpHeaders): InvokeHeaders {
  const out: InvokeHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

function parseJsonHeader(value: string | undefined, name: string): unknown {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${String(err)}`);
  }
}

export interface ContextOptions {
  /** RIC 4.x: missing env / headers are a PlatformError, and `xRayTraceId` is part of the context. */
  strict: boolean;
}

export function buildContext(headers: InvokeHeaders, env: NodeJS.ProcessEnv, opts: ContextOptions): LambdaContext {
  if (opts.strict) {
    const missingEnv = REQUIRED_ENV.filter((n) => !env[n]);
    if (missingEnv.length > 0) {
      throw new PlatformError(`Missing required environment variables: ${missingEnv.join(', ')}`);
    }
    const missingHeaders = REQUIRED_HEADERS.filter((h) => !(h in headers));
    if (missingHeaders.length > 0) throw new PlatformError(`Missing required headers: ${missingHeaders.join(', ')}`);
  }
  const requestId = headers[INVOKE_HEADERS.requestId];
  if (!requestId) throw new PlatformError('invocation id is missing or invalid');
  const deadline = Number.parseInt(headers[INVOKE_HEADERS.deadlineMs] ?? '', 10);
  if (opts.strict && Number.isNaN(deadline)) throw new PlatformError('Invalid deadline timestamp');

  const context: LambdaContext = {
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJsonHeader(headers[INVOKE_HEADERS.clientContext], 'ClientContext'),
    identity: parseJsonHeader(headers[INVOKE_HEADERS.cognitoIdentity], 'CognitoIdentity'),
    invokedFunctionArn: headers[INVOKE_HEADERS.functionArn],
    awsRequestId: requestId,
    tenantId: headers[INVOKE_HEADERS.tenantId],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  if (opts.strict) context.xRayTraceId = headers[INVOKE_HEADERS.traceId];
  return context;
}

/** The runtime copies the X-Ray header into `_X_AMZN_TRACE_ID` (or clears it) for every invocation. */
export function forwardTraceId(headers: InvokeHeaders, env: NodeJS.ProcessEnv): void {
  const traceId = headers[INVOKE_HEADERS.traceId];
  if (traceId) env._X_AMZN_TRACE_ID = traceId;
  else delete env._X_AMZN_TRACE_ID;
}
