/**
 * The nodejs20.x / nodejs22.x runtime (RIC 3.x behaviour): process-level error handlers with exit codes
 * 129 (uncaught exception) / 128 (unhandled rejection), handler loading, and the invoke loop with callback
 * handlers and `beforeExit` semantics.
 */
import { beforeExit } from './before-exit';
import { buildCallbackContext, type InvocationReporter } from './callback-context';
import { buildContext, forwardTraceId, INVOKE_HEADERS, normalizeHeaders } from './context';
import { NodeJsExit, toFormatted, toRapidResponse, UnhandledPromiseRejection } from './errors';
import { installAwsLambdaGlobal } from './globals';
import { type HandlerMetadata, handlerMetadata, loadHandler, type UserHandler } from './handler-loader';
import { patchConsole, type StructuredConsole } from './log-patch';
import { type RequestScope, ric3RequestScope } from './request-scope';
import { RuntimeApiClient } from './runtime-api-client';
import { openResponseStream, runStreamingHandler } from './streaming';
import { serializeResponse, xrayErrorCause } from './wire-format';

export const CALLBACK_WARNING =
  'AWS Lambda plans to remove support for callback-based function handlers starting with Node.js 24. You will need to update this function to use an async handler to use Node.js 24 or later. For more information and to provide feedback on this change, see https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137. To disable this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable.';

interface ErrorCallbacks {
  uncaughtException(error: unknown): void;
  unhandledRejection(error: unknown): void;
}

/** Posting failed at the HTTP level (the platform rejected it): log and carry on with the next event. */
function logPostFailure(what: string, err: unknown): void {
  console.error(`Failed to post ${what}`, toFormatted(err));
}

class Ric3Loop {
  constructor(
    private readonly client: RuntimeApiClient,
    private readonly handler: UserHandler,
    private readonly metadata: HandlerMetadata,
    private readonly errorCallbacks: ErrorCallbacks,
    private readonly structured: StructuredConsole,
    private readonly scope: RequestScope,
  ) {}

  scheduleIteration(): void {
    setImmediate(() => {
      this.handleOnce().then(
        () => {},
        (err: unknown) => {
          console.log(`Unexpected Top Level Error: ${String(err)}`);
          this.errorCallbacks.uncaughtException(err);
        },
      );
    });
  }

  private reporter(requestId: string): InvocationReporter {
    return {
      postResponse: (result, next) => {
        const body = serializeResponse(result);
        this.client.postResponse(requestId, body).then(next, (err) => {
          logPostFailure('handler success response', err);
          next();
        });
      },
      postError: (error, next) => {
        this.client.postError(requestId, toRapidResponse(error), xrayErrorCause(error)).then(next, (err) => {
          logPostFailure('handler error response', err);
          next();
        });
      },
    };
  }

  private async handleOnce(): Promise<void> {
    const next = await this.client.next();
    const headers = normalizeHeaders(next.headers);
    const requestId = headers[INVOKE_HEADERS.requestId] ?? '';
    this.scope.enter({ requestId, tenantId: headers[INVOKE_HEADERS.tenantId] });
    this.setErrorCallbacks(requestId);

    if (this.metadata.streaming) {
      await this.handleStreaming(requestId, headers, next.body);
      return;
    }

    const reporter = this.reporter(requestId);
    const scheduleNext = () => this.scheduleIteration();
    const { callback, context, markCompleted } = buildCallbackContext(reporter, this.structured, scheduleNext);
    try {
      this.setDefaultExitListener(reporter, markCompleted);
      forwardTraceId(headers, process.env);
      const fullContext = Object.assign(context, buildContext(headers, process.env, { strict: false }));
      const result = this.handler(JSON.parse(next.body), fullContext, callback);
      if (isPromise(result)) result.then(context.succeed, context.fail).catch(context.fail);
    } catch (err) {
      callback(err);
    }
  }

  private async handleStreaming(requestId: string, headers: Record<string, string | undefined>, body: string) {
    const open = openResponseStream(this.client, requestId);
    beforeExit.set(() => this.scheduleIteration());
    const error = await runStreamingHandler(open, (stream) => {
      forwardTraceId(headers, process.env);
      const context = buildContext(headers, process.env, { strict: false });
      return this.handler(JSON.parse(body), stream, context);
    });
    if (error !== undefined) {
      this.structured.logError('Invoke Error', error);
      await open.fail(error);
    }
    beforeExit.reset();
    this.scheduleIteration();
  }

  /** From now on a crash is reported against this invocation. */
  private setErrorCallbacks(requestId: string): void {
    const postThenExit = (error: unknown, code: number) => {
      this.client
        .postError(requestId, toRapidResponse(error), xrayErrorCause(error))
        .finally(() => process.exit(code))
        .catch(() => undefined);
    };
    this.errorCallbacks.uncaughtException = (error) => postThenExit(error, 129);
    this.errorCallbacks.unhandledRejection = (error) => postThenExit(error, 128);
  }

  /**
   * The event loop drained and no callback/promise reported: an async handler's promise never settled
   * (Runtime.NodeJsExit), or a sync/callback handler returned without calling back (null response).
   */
  private setDefaultExitListener(reporter: InvocationReporter, markCompleted: () => void): void {
    beforeExit.set(() => {
      markCompleted();
      if (this.metadata.isAsync) {
        const error = new NodeJsExit();
        this.structured.logError('Invoke Error', error);
        reporter.postError(error, () => this.scheduleIteration());
      } else {
        reporter.postResponse(null, () => this.scheduleIteration());
      }
    });
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

export function warnOnCallbackHandler(metadata: HandlerMetadata, env: NodeJS.ProcessEnv): void {
  if (
    env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING === undefined &&
    metadata.argsNum === 3 &&
    !metadata.isAsync &&
    !metadata.streaming
  ) {
    console.warn(CALLBACK_WARNING);
  }
}

/**
 * Init. A rejection of the returned promise must surface as an uncaught exception (the real index.mjs awaits
 * this at top level), so it reaches the handler below: log, POST /runtime/init/error, exit 129.
 */
export async function runRic3(env: NodeJS.ProcessEnv): Promise<void> {
  const scope = ric3RequestScope();
  const structured = patchConsole(scope, env);
  const client = new RuntimeApiClient(env.AWS_LAMBDA_RUNTIME_API ?? '');

  const postInitThenExit = (error: unknown, code: number) => {
    client
      .postInitError(toRapidResponse(error))
      .finally(() => process.exit(code))
      .catch(() => undefined);
  };
  const errorCallbacks: ErrorCallbacks = {
    uncaughtException: (error) => postInitThenExit(error, 129),
    unhandledRejection: (error) => postInitThenExit(error, 128),
  };
  process.on('uncaughtException', (error) => {
    console.error('Uncaught Exception', toFormatted(error));
    errorCallbacks.uncaughtException(error);
  });
  process.on('unhandledRejection', (reason) => {
    const error = new UnhandledPromiseRejection(reason);
    console.error('Unhandled Promise Rejection', toFormatted(error));
    errorCallbacks.unhandledRejection(error);
  });
  beforeExit.reset();
  process.on('beforeExit', beforeExit.invoke);

  installAwsLambdaGlobal(env, false);
  const handler = await loadHandler(env.LAMBDA_TASK_ROOT ?? process.cwd(), env._HANDLER ?? '', 'ric3');
  const metadata = handlerMetadata(handler);
  warnOnCallbackHandler(metadata, env);
  new Ric3Loop(client, handler, metadata, errorCallbacks, structured, scope).scheduleIteration();
}
