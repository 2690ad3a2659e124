/**
 * Replaces `console.*` like the managed runtime: one record per call, prefixed with time, request id and level
 * (text) or as a JSON object (`AWS_LAMBDA_LOG_FORMAT=JSON`), filtered by `AWS_LAMBDA_LOG_LEVEL`. Records go to
 * stdout with inner `\n` turned into `\r`, or, when `_LAMBDA_TELEMETRY_LOG_FD` is set, as binary frames to that fd.
 */
import { writeSync } from 'node:fs';
import { format } from 'node:util';
import { intoError, toFormatted } from './errors';
import type { RequestScope } from './request-scope';

export interface LogLevel {
  name: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
  priority: number;
  /** OR'd into the telemetry frame type. */
  tlvMask: number;
}

export const LOG_LEVELS: Readonly<Record<LogLevel['name'], LogLevel>> = Object.freeze({
  TRACE: { name: 'TRACE', priority: 1, tlvMask: 0b00100 },
  DEBUG: { name: 'DEBUG', priority: 2, tlvMask: 0b01000 },
  INFO: { name: 'INFO', priority: 3, tlvMask: 0b01100 },
  WARN: { name: 'WARN', priority: 4, tlvMask: 0b10000 },
  ERROR: { name: 'ERROR', priority: 5, tlvMask: 0b10100 },
  FATAL: { name: 'FATAL', priority: 6, tlvMask: 0b11000 },
});

const FRAME_TYPE_TEXT = 0xa55a0003;
const FRAME_TYPE_JSON = 0xa55a0002;

export type LogFormat = 'TEXT' | 'JSON';

export function logFormatFromEnv(env: NodeJS.ProcessEnv): LogFormat {
  return env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON' ? 'JSON' : 'TEXT';
}

export function minLogLevelFromEnv(env: NodeJS.ProcessEnv): LogLevel {
  const name = env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase();
  return name && name in LOG_LEVELS ? LOG_LEVELS[name as LogLevel['name']] : LOG_LEVELS.TRACE;
}

export function formatTextRecord(time: string, requestId: string, level: LogLevel, args: unknown[]): string {
  return `${time}\t${requestId}\t${level.name}\t${format(...args)}`;
}

function jsonErrorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

export function formatJsonRecord(
  time: string,
  requestId: string,
  tenantId: string | undefined,
  level: LogLevel,
  args: unknown[],
): string {
  const record: Record<string, unknown> = { timestamp: time, level: level.name, requestId };
  if (tenantId !== undefined && tenantId !== null) record.tenantId = tenantId;
  if (args.length === 1) {
    // A single argument keeps its structure (objects stay objects, errors get errorType/stackTrace).
    record.message = args[0];
    try {
      return JSON.stringify(record, jsonErrorReplacer);
    } catch {
      record.message = format(record.message);
      return JSON.stringify(record);
    }
  }
  record.message = format(...args);
  const firstError = args.find((a): a is Error => a instanceof Error);
  if (firstError) {
    record.errorType = firstError.constructor?.name ?? 'UnknownError';
    record.errorMessage = firstError.message;
    record.stackTrace = typeof firstError.stack === 'string' ? firstError.stack.split('\n') : [];
  }
  return JSON.stringify(record);
}

export interface StructuredConsole {
  /** How the runtime itself logs an error (`Invoke Error`, `Uncaught Exception`, ...). */
  logError(message: string, error: unknown): void;
}

type Sink = (level: LogLevel, time: Date, record: string, fmt: LogFormat) => void;

function stdoutSink(): Sink {
  return (_level, _time, record) => {
    process.stdout.write(record.replace(/\n/g, '\r') + '\n');
  };
}

function telemetryFdSink(fd: number): Sink {
  const header = Buffer.alloc(16);
  return (level, time, record, fmt) => {
    // Text frames carry the trailing newline; JSON frames do not (as in RIC 3.x/4.x).
    const body = Buffer.from(fmt === 'TEXT' ? record + '\n' : record, 'utf8');
    const type = fmt === 'TEXT' ? FRAME_TYPE_TEXT : FRAME_TYPE_JSON;
    header.writeUInt32BE((type | level.tlvMask) >>> 0, 0);
    header.writeInt32BE(body.length, 4);
    header.writeBigInt64BE(BigInt(time.valueOf()) * 1000n, 8);
    writeSync(fd, header);
    writeSync(fd, body);
  };
}

/** Consumes `_LAMBDA_TELEMETRY_LOG_FD` (the runtime deletes it so child processes do not inherit it). */
function takeTelemetryFd(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env._LAMBDA_TELEMETRY_LOG_FD;
  if (raw === undefined) return undefined;
  delete env._LAMBDA_TELEMETRY_LOG_FD;
  const fd = Number(raw);
  return Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

type ConsoleMethod = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'log';

export function patchConsole(scope: RequestScope, env: NodeJS.ProcessEnv = process.env): StructuredConsole {
  const fmt = logFormatFromEnv(env);
  const minLevel = minLogLevelFromEnv(env);
  const fd = takeTelemetryFd(env);
  const sink = fd === undefined ? stdoutSink() : telemetryFdSink(fd);

  const write = (level: LogLevel, args: unknown[]): void => {
    const now = new Date();
    const time = now.toISOString();
    const record =
      fmt === 'JSON'
        ? formatJsonRecord(time, scope.requestId(), scope.tenantId(), level, args)
        : formatTextRecord(time, scope.requestId(), level, args);
    sink(level, now, record, fmt);
  };
  // `(message, ...params)` like the runtime: a bare `console.log()` prints "undefined".
  const methodFor = (level: LogLevel) =>
    level.priority >= minLevel.priority
      ? (message?: unknown, ...params: unknown[]) => write(level, [message, ...params])
      : () => {};

  const patched: Record<ConsoleMethod | 'fatal', (...args: unknown[]) => void> = {
    trace: methodFor(LOG_LEVELS.TRACE),
    debug: methodFor(LOG_LEVELS.DEBUG),
    info: methodFor(LOG_LEVELS.INFO),
    log: methodFor(LOG_LEVELS.INFO),
    warn: methodFor(LOG_LEVELS.WARN),
    error: methodFor(LOG_LEVELS.ERROR),
    fatal: methodFor(LOG_LEVELS.FATAL),
  };
  Object.assign(console, patched);

  return {
    logError:
      fmt === 'JSON'
        ? (_message, error) => console.error(intoError(error))
        : (message, error) => console.error(message, toFormatted(intoError(error))),
  };
}
