/**
 * The nodejs24.x runtime (RIC 4.x behaviour, as in aws-lambda-ric 4.0.2): no process-level error handlers
 * (an uncaught error ends the process with Node's own exit code 1), callback handlers rejected at init,
 * a plain `await handler(event, context)` loop, no `beforeExit` waiting.
 */
import { buildContext, forwardTraceId, INVOKE_HEADERS, normalizeHeaders } from './context';
import { CallbackHandlerDeprecated, PlatformError, toRapidResponse, withOwnRuntimeName } from './errors';
import { globalAwsLambdaDisabled, installAwsLambdaGlobal } from './globals';
import { type HandlerMetadata, handlerMetadata, loadHandler, type UserHandler } from './handler-loader';
import { patchConsole, type StructuredConsole } from './log-patch';
import { InvokeStore, type RequestScope, ric4RequestScope } from './request-scope';
import { RuntimeApiClient } from './runtime-api-client';
import { openResponseStream, runStreamingHandler } from './streaming';
import { serializeResponse, xrayErrorCause } from './wire-format';

export const CALLBACK_ERROR_NODEJS22 =
  'ERROR: AWS Lambda does not support callback-based function handlers when using Node.js 22 with Managed Instances. To use Managed Instances, modify this function to use a supported handler signature. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';
export const CALLBACK_ERROR_NODEJS24_ABOVE =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

export function rejectCallbackHandler(metadata: HandlerMetadata, env: NodeJS.ProcessEnv): void {
  if (metadata.argsNum >= 3 && !metadata.streaming) {
    throw new CallbackHandlerDeprecated(
      env.AWS_EXECUTION_ENV === 'AWS_Lambda_nodejs22.x' ? CALLBACK_ERROR_NODEJS22 : CALLBACK_ERROR_NODEJS24_ABOVE,
    );
  }
}

/** RIC 4.x publishes its InvokeStore (unless the global is disabled) so libraries can read the current ids. */
function createInvokeStore(env: NodeJS.ProcessEnv): InvokeStore {
  const store = new InvokeStore();
  if (globalAwsLambdaDisabled(env)) return store;
  const g = globalThis as unknown as { awslambda?: Record<string, unknown> };
  g.awslambda = g.awslambda ?? {};
  if (g.awslambda.InvokeStore instanceof InvokeStore) return g.awslambda.InvokeStore;
  g.awslambda.InvokeStore = store;
  return store;
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

class Ric4Loop {
  constructor(
    private readonly client: RuntimeApiClient,
    private readonly handler: UserHandler,
    private readonly metadata: HandlerMetadata,
    private readonly structured: StructuredConsole,
    private readonly scope: RequestScope,
  ) {}

  async run(): Promise<never> {
    for (;;) {
      const next = await this.client.next();
      const headers = normalizeHeaders(next.headers);
      const context = buildContext(headers, process.env, { strict: true });
      forwardTraceId(headers, process.env);
      const event: unknown = JSON.parse(next.body);
      this.scope.enter({
        requestId: context.awsRequestId,
        tenantId: headers[INVOKE_HEADERS.tenantId],
        traceId: headers[INVOKE_HEADERS.traceId],
      });
      if (this.metadata.streaming) await this.processStreaming(context.awsRequestId, event, context);
      else await this.processBuffered(context.awsRequestId, event, context);
    }
  }

  private async processBuffered(requestId: string, event: unknown, context: object): Promise<void> {
    try {
      const result = await this.handler(event, context);
      await nextTick();
      await this.client.postResponse(requestId, serializeResponse(result, 'ric4'));
    } catch (err) {
      await nextTick();
      this.structured.logError('Invoke Error', withOwnRuntimeName(err));
      await this.client.postError(requestId, toRapidResponse(err), xrayErrorCause(err));
    }
  }

  private async processStreaming(requestId: string, event: unknown, context: object): Promise<void> {
    const open = openResponseStream(this.client, requestId);
    const error = await runStreamingHandler(open, (stream) => this.handler(event, stream, context));
    if (error !== undefined) {
      await nextTick();
      this.structured.logError('Invoke Error', withOwnRuntimeName(error));
      await open.fail(error);
    }
  }
}

/** Init then the invoke loop. The caller leaves a rejection unhandled, so Node prints it and exits 1. */
export async function runRic4(env: NodeJS.ProcessEnv): Promise<void> {
  installAwsLambdaGlobal(env, true);
  const scope = ric4RequestScope(createInvokeStore(env));
  const structured = patchConsole(scope, env);
  const runtimeApi = env.AWS_LAMBDA_RUNTIME_API;
  const handlerString = env._HANDLER;
  const taskRoot = env.LAMBDA_TASK_ROOT;
  if (!runtimeApi) throw new PlatformError('AWS_LAMBDA_RUNTIME_API environment variable is not set');
  if (!handlerString) throw new PlatformError('_HANDLER environment variable is not set');
  if (!taskRoot) throw new PlatformError('LAMBDA_TASK_ROOT environment variable is not set');
  const client = new RuntimeApiClient(runtimeApi);
  await client.preconnect();

  let loop: Ric4Loop;
  try {
    const handler = await loadHandler(taskRoot, handlerString, 'ric4');
    const metadata = handlerMetadata(handler);
    rejectCallbackHandler(metadata, env);
    loop = new Ric4Loop(client, handler, metadata, structured, scope);
  } catch (error) {
    structured.logError('Init Error', withOwnRuntimeName(error));
    await client.postInitError(toRapidResponse(error));
    throw error;
  }
  await loop.run();
}
