/** Runtime API 2018-06-01 (lambda-platform.md §4): request parsing and status codes; state lives in the host. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_PAYLOAD_BYTES } from './constants';
import { header, readBody, sendError, sendJson } from './http-util';

export interface RuntimeErrorReport {
  errorType: string;
  /** The error document as posted (parsed JSON, or `{errorMessage: <raw text>}`). */
  body: Record<string, unknown>;
  xrayCause?: string;
}

export type HostAnswer = { ok: true } | { ok: false; status: number; errorType: string; errorMessage: string };

export interface RuntimeApiHost {
  /** GET /runtime/invocation/next: keep `res` open until an invocation is released. */
  runtimeNext(res: ServerResponse): void;
  runtimeResponse(requestId: string, body: Buffer, contentType: string, receivedAt: number): HostAnswer;
  runtimeResponseTooLarge(requestId: string, size: number): HostAnswer;
  runtimeError(requestId: string, report: RuntimeErrorReport): HostAnswer;
  runtimeInitError(report: RuntimeErrorReport): HostAnswer;
}

function errorReport(req: IncomingMessage, body: Buffer): RuntimeErrorReport {
  let parsed: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    parsed =
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? (v as Record<string, unknown>)
        : { errorMessage: String(v) };
  } catch {
    parsed = { errorMessage: body.toString('utf8') };
  }
  const headerType = header(req, 'Lambda-Runtime-Function-Error-Type');
  const errorType = headerType || (typeof parsed.errorType === 'string' ? parsed.errorType : 'Runtime.Unknown');
  return { errorType, body: parsed, xrayCause: header(req, 'Lambda-Runtime-Function-XRay-Error-Cause') };
}

function answer(res: ServerResponse, a: HostAnswer): void {
  if (a.ok) sendJson(res, 202, { status: 'OK' });
  else sendError(res, a.status, a.errorType, a.errorMessage);
}

/** `path` is the part after `/2018-06-01`. Returns false when the path is not a Runtime API route. */
export async function handleRuntimeApi(
  host: RuntimeApiHost,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (path === '/runtime/invocation/next') {
    if (method !== 'GET') return methodNotAllowed(res);
    host.runtimeNext(res);
    return true;
  }
  if (path === '/runtime/init/error') {
    if (method !== 'POST') return methodNotAllowed(res);
    const { body } = await readBody(req, MAX_PAYLOAD_BYTES);
    answer(res, host.runtimeInitError(errorReport(req, body)));
    return true;
  }
  const m = /^\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
  if (!m) return false;
  if (method !== 'POST') return methodNotAllowed(res);
  const requestId = decodeURIComponent(m[1]);
  const receivedAt = performance.now();
  const read = await readBody(req, MAX_PAYLOAD_BYTES);
  if (m[2] === 'error') {
    answer(res, host.runtimeError(requestId, errorReport(req, read.body)));
    return true;
  }
  if (read.tooLarge) {
    answer(res, host.runtimeResponseTooLarge(requestId, read.size));
    return true;
  }
  // Streaming responses report a mid-stream failure in trailers.
  const trailerType = req.trailers['lambda-runtime-function-error-type'];
  if (trailerType) {
    const trailerBody = req.trailers['lambda-runtime-function-error-body'];
    const body = trailerBody ? Buffer.from(trailerBody, 'base64') : Buffer.from('{}');
    const report = errorReport(req, body);
    answer(res, host.runtimeError(requestId, { ...report, errorType: trailerType }));
    return true;
  }
  answer(
    res,
    host.runtimeResponse(requestId, read.body, header(req, 'Content-Type') ?? 'application/json', receivedAt),
  );
  return true;
}

function methodNotAllowed(res: ServerResponse): true {
  sendError(res, 405, 'MethodNotAllowed', 'method not allowed');
  return true;
}
