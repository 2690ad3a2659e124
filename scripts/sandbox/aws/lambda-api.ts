/** The restJson surface of the Lambda control-plane fake: routes, request decoding and AWS-shaped errors. */
import { randomUUID } from 'node:crypto';
import { type BufferedRequest, bodyText, type HttpReply, jsonReply } from './http';
import { LambdaError, type LambdaFunctions } from './lambda-functions';

interface Route {
  method: string;
  pattern: RegExp;
  operation: string;
}

const ROUTES: Route[] = [
  {
    method: 'GET',
    pattern: /^\/2015-03-31\/functions\/([^/]+)\/configuration$/,
    operation: 'GetFunctionConfiguration',
  },
  {
    method: 'PUT',
    pattern: /^\/2015-03-31\/functions\/([^/]+)\/configuration$/,
    operation: 'UpdateFunctionConfiguration',
  },
  { method: 'PUT', pattern: /^\/2015-03-31\/functions\/([^/]+)\/code$/, operation: 'UpdateFunctionCode' },
  { method: 'GET', pattern: /^\/2015-03-31\/functions\/([^/]+)$/, operation: 'GetFunction' },
  { method: 'PUT', pattern: /^\/2017-10-31\/functions\/([^/]+)\/concurrency$/, operation: 'PutFunctionConcurrency' },
  {
    method: 'DELETE',
    pattern: /^\/2017-10-31\/functions\/([^/]+)\/concurrency$/,
    operation: 'DeleteFunctionConcurrency',
  },
  { method: 'GET', pattern: /^\/2019-09-30\/functions\/([^/]+)\/concurrency$/, operation: 'GetFunctionConcurrency' },
];

export interface LambdaRequest {
  operation: string;
  /** The operation input as the SDK shaped it: FunctionName, Qualifier and the JSON body fields. */
  input: Record<string, unknown>;
}

/** Which operation a request is and its input; `operation` is 'Unknown' for routes the fake does not serve. */
export function describeLambdaRequest(req: BufferedRequest): LambdaRequest {
  const url = new URL(req.url, 'http://lambda.local');
  const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(url.pathname));
  let body: Record<string, unknown> = {};
  const text = bodyText(req);
  if (text.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      body = { unparsableBody: true };
    }
  }
  if (!route) return { operation: 'Unknown', input: { method: req.method, path: url.pathname, ...body } };
  const functionName = decodeURIComponent(route.pattern.exec(url.pathname)?.[1] ?? '');
  const qualifier = url.searchParams.get('Qualifier') ?? undefined;
  return {
    operation: route.operation,
    input: { FunctionName: functionName, ...(qualifier !== undefined ? { Qualifier: qualifier } : {}), ...body },
  };
}

/** Lambda's restJson error: status, `x-amzn-errortype`, and `{Type, message}`. */
export function lambdaErrorReply(
  status: number,
  type: string,
  message: string,
  faultType: 'User' | 'Service',
): HttpReply {
  return jsonReply(
    status,
    { Type: faultType, message },
    { 'x-amzn-errortype': type, 'x-amzn-requestid': randomUUID() },
  );
}

export function handleLambdaRequest(functions: LambdaFunctions, req: BufferedRequest): HttpReply {
  const { operation, input } = describeLambdaRequest(req);
  const ok = (status: number, value: unknown): HttpReply =>
    status === 204
      ? { status, headers: { 'x-amzn-requestid': randomUUID() } }
      : jsonReply(status, value, { 'x-amzn-requestid': randomUUID() });
  try {
    if (input.unparsableBody)
      throw new LambdaError(400, 'SerializationException', 'Could not parse request body into json');
    const name = String(input.FunctionName ?? '');
    const qualifier = typeof input.Qualifier === 'string' ? input.Qualifier : undefined;
    switch (operation) {
      case 'GetFunctionConfiguration':
        return ok(200, functions.configuration(functions.resolve(name, qualifier)));
      case 'UpdateFunctionConfiguration':
        return ok(200, functions.updateConfiguration(functions.resolve(name), input));
      case 'UpdateFunctionCode':
        return ok(200, functions.updateCode(functions.resolve(name), input));
      case 'GetFunction': {
        const fn = functions.resolve(name, qualifier);
        const concurrency = fn.reservedConcurrency;
        return ok(200, {
          Configuration: functions.configuration(fn),
          Code: {
            RepositoryType: 'S3',
            Location: `https://awslambda-local-tasks.s3.amazonaws.com/snapshots/${fn.name}`,
          },
          ...(concurrency !== undefined ? { Concurrency: { ReservedConcurrentExecutions: concurrency } } : {}),
        });
      }
      case 'PutFunctionConcurrency': {
        const value = functions.putConcurrency(functions.resolve(name), input.ReservedConcurrentExecutions);
        return ok(200, { ReservedConcurrentExecutions: value });
      }
      case 'GetFunctionConcurrency': {
        const value = functions.resolve(name).reservedConcurrency;
        return ok(200, value === undefined ? {} : { ReservedConcurrentExecutions: value });
      }
      case 'DeleteFunctionConcurrency':
        functions.deleteConcurrency(functions.resolve(name));
        return ok(204, undefined);
      default:
        throw new LambdaError(404, 'UnknownOperationException', `Unknown operation ${req.method} ${input.path}`);
    }
  } catch (err) {
    if (err instanceof LambdaError) return lambdaErrorReply(err.status, err.type, err.message, err.faultType);
    throw err;
  }
}
