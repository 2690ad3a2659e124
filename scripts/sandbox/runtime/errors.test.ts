import {
  HandlerNotFound,
  ImportModuleError,
  toFormatted,
  toRapidResponse,
  UnhandledPromiseRejection,
  withOwnRuntimeName,
} from './errors';
import { serializeResponse, xrayErrorCause } from './wire-format';

describe('toRapidResponse (the /error body)', () => {
  test('errors: name, message, stack lines under "trace"', () => {
    const body = toRapidResponse(new TypeError('bad'));
    expect(body.errorType).toBe('TypeError');
    expect(body.errorMessage).toBe('bad');
    expect(body.trace[0]).toBe('TypeError: bad');
    expect(body.trace.length).toBeGreaterThan(1);
  });

  test('non-errors: typeof and String()', () => {
    expect(toRapidResponse('handled')).toEqual({ errorType: 'string', errorMessage: 'handled', trace: [] });
    expect(toRapidResponse(42)).toEqual({ errorType: 'number', errorMessage: '42', trace: [] });
  });

  test('runtime errors keep their Runtime.* type and wrapped message', () => {
    const wrapped = new ImportModuleError(new Error("Cannot find module 'x'"));
    expect(toRapidResponse(wrapped)).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: "Error: Cannot find module 'x'",
    });
    expect(toRapidResponse(new UnhandledPromiseRejection(new Error('r'))).errorMessage).toBe('Error: r');
  });
});

describe('toFormatted (the text-log form)', () => {
  test('tab + JSON with type, message, code, own fields and stack lines; the name is not an own field', () => {
    const err = Object.assign(new HandlerNotFound('index.x is not a function'), { extra: 1 });
    const formatted = toFormatted(err);
    expect(formatted.startsWith('\t{')).toBe(true);
    const parsed = JSON.parse(formatted.slice(1));
    expect(parsed).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.x is not a function',
      extra: 1,
    });
    expect(parsed).not.toHaveProperty('name');
    expect(parsed.stack[0]).toBe('Runtime.HandlerNotFound: index.x is not a function');
  });
});

test('withOwnRuntimeName makes the Runtime.* name an own field (RIC 4.x log shape), other errors untouched', () => {
  const logged = JSON.parse(toFormatted(withOwnRuntimeName(new HandlerNotFound('x'))).slice(1));
  expect(Object.keys(logged).slice(0, 3)).toEqual(['errorType', 'errorMessage', 'name']);
  expect(JSON.parse(toFormatted(withOwnRuntimeName(new Error('y'))).slice(1))).not.toHaveProperty('name');
});

describe('wire format', () => {
  test('results: undefined is null; circular values throw per rule set', () => {
    expect(serializeResponse(undefined)).toBe('null');
    expect(serializeResponse({ a: 'é' })).toBe('{"a":"é"}');
    const o: Record<string, unknown> = {};
    o.o = o;
    expect(() => serializeResponse(o, 'ric3')).toThrow('Unable to stringify response body');
    try {
      serializeResponse(o, 'ric4');
    } catch (e) {
      expect((e as Error).name).toBe('Runtime.JSONStringifyError');
    }
    expect.assertions(4);
  });

  test('X-Ray error cause lists the exception and the stack paths', () => {
    const cause = JSON.parse(xrayErrorCause(new Error('boom')));
    expect(cause.working_directory).toBe(process.cwd());
    expect(cause.exceptions[0]).toMatchObject({ type: 'Error', message: 'boom' });
    expect(cause.paths).toContain(__filename);
  });
});
