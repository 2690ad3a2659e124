/** What the runtime puts on the wire for results and for the X-Ray error-cause header. */
import { JSONStringifyError } from './errors';

/** `undefined` becomes `null`; an unserialisable result throws (RIC 3.x: plain Error, RIC 4.x: JSONStringifyError). */
export function serializeResponse(result: unknown, rules: 'ric3' | 'ric4' = 'ric3'): string {
  try {
    return JSON.stringify(result === undefined ? null : result);
  } catch {
    if (rules === 'ric4') throw new JSONStringifyError();
    throw new Error('Unable to stringify response body');
  }
}

interface StackEntry {
  path: string;
  line: number;
  label: string;
}

function parseStack(stack: string | undefined): StackEntry[] {
  if (!stack) return [];
  const lines = stack.replaceAll('\x7F', '%7F').split('\n');
  lines.shift();
  return lines.map((line) => {
    const trimmed = line
      .trim()
      .replace(/[()]/g, '')
      .replace(/^[^\s]*\s/, '');
    const lastSpace = trimmed.lastIndexOf(' ');
    const label = lastSpace >= 0 ? trimmed.slice(0, lastSpace) : 'anonymous';
    const [path = '', lineNo = ''] = (lastSpace >= 0 ? trimmed.slice(lastSpace + 1) : trimmed).split(':');
    return { path, line: Number.parseInt(lineNo, 10), label };
  });
}

/** Value of `Lambda-Runtime-Function-XRay-Error-Cause` (empty string when the error cannot be described). */
export function xrayErrorCause(error: unknown): string {
  try {
    const e = error as { name?: string; message?: string; stack?: string };
    const stack = parseStack(e.stack);
    return JSON.stringify({
      working_directory: process.cwd(),
      exceptions: [{ type: e.name?.replaceAll('\x7F', '%7F'), message: e.message?.replaceAll('\x7F', '%7F'), stack }],
      paths: [...new Set(stack.map((s) => s.path))],
    });
  } catch {
    return '';
  }
}
