/**
 * Minimal response streaming (`awslambda.streamifyResponse`): the handler gets the chunked `/response` request as
 * its stream; `HttpResponseStream.from` adds the HTTP-integration prelude; errors go out as trailers.
 * Not emulated: highWaterMark back-pressure tuning and the 20 MiB / bandwidth limits.
 */
import type { ClientRequest } from 'node:http';
import { InvalidStreamingOperation, toRapidResponse } from './errors';
import { ERROR_TYPE_HEADER, type RuntimeApiClient } from './runtime-api-client';

const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const ERROR_BODY_TRAILER = 'Lambda-Runtime-Function-Error-Body';

export type ResponseStream = ClientRequest & {
  setContentType(contentType: string): void;
  _onBeforeFirstWrite?: (write: (chunk: string | Uint8Array) => void) => void;
};

export const HttpResponseStream = {
  from(stream: ResponseStream, prelude: unknown): ResponseStream {
    stream.setContentType(PRELUDE_CONTENT_TYPE);
    const metadata = JSON.stringify(prelude);
    stream._onBeforeFirstWrite = (write) => {
      write(metadata);
      write(new Uint8Array(8));
    };
    return stream;
  },
};

export interface OpenStream {
  stream: ResponseStream;
  /** Settles when the platform answered the streamed POST. */
  done: Promise<number>;
  /** Ends the stream with the error trailers. */
  fail(error: unknown): Promise<void>;
}

export function openResponseStream(client: RuntimeApiClient, requestId: string): OpenStream {
  const { request, done } = client.openResponseStream(requestId, DEFAULT_CONTENT_TYPE);
  done.catch(() => undefined); // observed by the caller; never an unhandled rejection of its own
  const stream = request as ResponseStream;
  let written = false;
  stream.setContentType = (contentType: string) => {
    if (written) throw new InvalidStreamingOperation('Cannot set content-type, too late.');
    stream.setHeader('Content-Type', contentType);
  };
  const originalWrite = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const data = typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk);
    if (!written && typeof stream._onBeforeFirstWrite === 'function') {
      stream._onBeforeFirstWrite((c) => originalWrite(c));
    }
    written = true;
    return originalWrite(data, ...rest);
  }) as ClientRequest['write'];

  const fail = async (error: unknown): Promise<void> => {
    const body = toRapidResponse(error);
    if (stream.writableEnded) return;
    stream.addTrailers({
      [ERROR_TYPE_HEADER]: body.errorType,
      [ERROR_BODY_TRAILER]: Buffer.from(JSON.stringify(body)).toString('base64'),
    });
    await new Promise<void>((resolve) => stream.end(resolve));
  };
  return { stream, done, fail };
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Runs a streaming handler for one invocation; returns the error to report, if any. */
export async function runStreamingHandler(
  open: OpenStream,
  invoke: (stream: ResponseStream) => unknown,
): Promise<unknown | undefined> {
  try {
    const result = invoke(open.stream);
    if (!isPromise(result)) throw new Error('Streaming does not support non-async handlers.');
    if ((await result) !== undefined) console.warn('Streaming handlers ignore return values.');
    if (!open.stream.writableEnded) throw new Error('Response stream is not finished.');
    await open.done;
    return undefined;
  } catch (err) {
    return err;
  }
}
