/** `_HANDLER` parsing and the runtime's error shape (pure; shared by the shim and the preload-only attach). */
import { basename } from 'node:path';

export interface HandlerSpec {
  moduleRoot: string;
  moduleName: string;
  handlerPath: string;
}

export function runtimeError(name: string, message: string, cause?: unknown): Error {
  const e = new Error(message);
  Object.defineProperty(e, 'name', { value: name, configurable: true, writable: true });
  if (cause instanceof Error && cause.stack)
    e.stack = `${name}: ${message}\n${cause.stack.split('\n').slice(1).join('\n')}`;
  return e;
}

export function parseHandler(handler: string): HandlerSpec {
  if (handler.includes('..')) {
    throw runtimeError(
      'Runtime.MalformedHandlerName',
      `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const moduleAndHandler = basename(handler);
  const moduleRoot = handler.substring(0, handler.indexOf(moduleAndHandler));
  const m = /^([^.]*)\.(.*)$/.exec(moduleAndHandler);
  if (!m) throw runtimeError('Runtime.MalformedHandlerName', 'Bad handler');
  return { moduleRoot, moduleName: m[1]!, handlerPath: m[2]! };
}
