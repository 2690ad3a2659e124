/**
 * The runtime's error types and the two ways it renders errors: the Runtime API body
 * (`{errorType, errorMessage, trace}`) and the log form (`\t` + JSON with enumerable fields), as RIC 3.x/4.x do.
 */
import { types } from 'node:util';

/** Names live on the prototype (like RIC 3.x) so they are not own enumerable fields in the logged JSON. */
function withName<T extends { prototype: Error }>(cls: T, name: string): T {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
  return cls;
}

/** Wraps a loader failure; the message is the original error's `String()` ("Error: Cannot find module ..."). */
export class ImportModuleError extends Error {
  constructor(original: unknown) {
    super(String(original));
  }
}
withName(ImportModuleError, 'Runtime.ImportModuleError');

export class UserCodeSyntaxError extends Error {
  constructor(original: Error) {
    super(String(original));
    this.stack = original.stack;
  }
}
withName(UserCodeSyntaxError, 'Runtime.UserCodeSyntaxError');

export class HandlerNotFound extends Error {}
withName(HandlerNotFound, 'Runtime.HandlerNotFound');

export class MalformedHandlerName extends Error {}
withName(MalformedHandlerName, 'Runtime.MalformedHandlerName');

export class MalformedStreamingHandler extends Error {}
withName(MalformedStreamingHandler, 'Runtime.MalformedStreamingHandler');

export class InvalidStreamingOperation extends Error {}
withName(InvalidStreamingOperation, 'Runtime.InvalidStreamingOperation');

export class CallbackHandlerDeprecated extends Error {}
withName(CallbackHandlerDeprecated, 'Runtime.CallbackHandlerDeprecated');

export class JSONStringifyError extends Error {
  constructor() {
    super('Unable to stringify response body');
  }
}
withName(JSONStringifyError, 'Runtime.JSONStringifyError');

export class PlatformError extends Error {}
withName(PlatformError, 'Runtime.PlatformError');

/** RIC 3.x: an async handler whose promise never settled before the event loop drained. */
export class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a ' +
        'Promise that was never settled. For more information, see ' +
        'https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
withName(NodeJsExit, 'Runtime.NodeJsExit');

export class UnhandledPromiseRejection extends Error {
  readonly reason: unknown;
  constructor(reason: unknown) {
    super(reason === undefined || reason === null ? undefined : String(reason));
    this.reason = reason;
  }
}
withName(UnhandledPromiseRejection, 'Runtime.UnhandledPromiseRejection');

/** Body of `/error` and `/init/error`. The Node runtime sends `trace` (not `stackTrace`). */
export interface RapidErrorBody {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

function looksLikeError(value: unknown): value is Error {
  if (types.isNativeError(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.message === 'string' && typeof v.stack === 'string';
}

export function toRapidResponse(error: unknown): RapidErrorBody {
  try {
    if (looksLikeError(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

export function intoError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function withEnumerableProperties(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const out: Record<string, unknown> = {
    errorType: value.name,
    errorMessage: value.message,
    code: (value as { code?: unknown }).code,
    ...value,
  };
  if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
  return out;
}

/** The text-log form: a tab, then JSON that includes name, message, code, stack lines and own fields. */
export function toFormatted(error: unknown): string {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

/**
 * RIC 4.x assigns `name` in its error constructors, so for its Runtime.* errors `name` is an own enumerable field
 * and shows up in the logged JSON (RIC 3.x keeps it on the prototype). Applied before RIC 4.x logs an error.
 */
export function withOwnRuntimeName(error: unknown): unknown {
  if (error instanceof Error && error.name.startsWith('Runtime.') && !Object.hasOwn(error, 'name')) {
    Object.defineProperty(error, 'name', { value: error.name, enumerable: true, writable: true, configurable: true });
  }
  return error;
}
