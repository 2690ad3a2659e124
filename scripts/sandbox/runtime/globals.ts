/**
 * `globalThis.awslambda` as the managed runtime defines it before loading user code:
 * `streamifyResponse` and `HttpResponseStream` (off with AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA=1|true).
 */
import { HANDLER_HIGHWATERMARK, HANDLER_STREAMING, STREAM_RESPONSE, type UserHandler } from './handler-loader';
import { HttpResponseStream } from './streaming';

export function globalAwsLambdaDisabled(env: NodeJS.ProcessEnv): boolean {
  const v = env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  return v === '1' || v === 'true';
}

type AwsLambdaGlobal = Record<string, unknown>;

/** RIC 3.x replaces the object; RIC 4.x keeps what is already there (its InvokeStore). */
export function installAwsLambdaGlobal(env: NodeJS.ProcessEnv, keepExisting: boolean): void {
  if (globalAwsLambdaDisabled(env)) return;
  const g = globalThis as unknown as { awslambda?: AwsLambdaGlobal };
  g.awslambda = {
    ...(keepExisting ? g.awslambda : {}),
    streamifyResponse: (handler: UserHandler, options?: { highWaterMark?: number }) => {
      const marked = handler as UserHandler & Record<symbol, unknown>;
      marked[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === 'number') {
        marked[HANDLER_HIGHWATERMARK] = Number.parseInt(String(options.highWaterMark), 10);
      }
      return handler;
    },
    HttpResponseStream,
  };
}
