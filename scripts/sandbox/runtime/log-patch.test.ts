import { formatJsonRecord, formatTextRecord, LOG_LEVELS, logFormatFromEnv, minLogLevelFromEnv } from './log-patch';

const T = '2026-01-01T00:00:00.000Z';

describe('text records', () => {
  test('time, request id, level, util.format of the arguments', () => {
    expect(formatTextRecord(T, 'r1', LOG_LEVELS.INFO, ['a %s %d', 'b', 3, { k: 1 }])).toBe(
      `${T}\tr1\tINFO\ta b 3 { k: 1 }`,
    );
    expect(formatTextRecord(T, 'undefined', LOG_LEVELS.WARN, [undefined])).toBe(`${T}\tundefined\tWARN\tundefined`);
  });
});

describe('JSON records', () => {
  test('a single argument keeps its structure', () => {
    expect(JSON.parse(formatJsonRecord(T, 'r1', undefined, LOG_LEVELS.INFO, [{ a: [1, 2] }]))).toEqual({
      timestamp: T,
      level: 'INFO',
      requestId: 'r1',
      message: { a: [1, 2] },
    });
  });

  test('a single error becomes errorType/errorMessage/stackTrace', () => {
    const err = new RangeError('too far');
    const rec = JSON.parse(formatJsonRecord(T, 'r1', 'tenant-1', LOG_LEVELS.ERROR, [err]));
    expect(rec.tenantId).toBe('tenant-1');
    expect(rec.message).toMatchObject({ errorType: 'RangeError', errorMessage: 'too far' });
    expect(rec.message.stackTrace[0]).toBe('RangeError: too far');
  });

  test('several arguments are formatted; the first error is described at top level', () => {
    const rec = JSON.parse(formatJsonRecord(T, 'r1', undefined, LOG_LEVELS.ERROR, ['failed:', new Error('x'), 2]));
    expect(rec.message).toMatch(/^failed: Error: x\n/);
    expect(rec).toMatchObject({ errorType: 'Error', errorMessage: 'x' });
    expect(rec).not.toHaveProperty('tenantId');
  });

  test('an unserialisable single argument falls back to util.format', () => {
    const o: Record<string, unknown> = {};
    o.self = o;
    expect(JSON.parse(formatJsonRecord(T, 'r1', undefined, LOG_LEVELS.INFO, [o])).message).toBe(
      '<ref *1> { self: [Circular *1] }',
    );
  });
});

describe('environment', () => {
  test('format and level', () => {
    expect(logFormatFromEnv({ AWS_LAMBDA_LOG_FORMAT: 'json' })).toBe('JSON');
    expect(logFormatFromEnv({ AWS_LAMBDA_LOG_FORMAT: 'Text' })).toBe('TEXT');
    expect(logFormatFromEnv({})).toBe('TEXT');
    expect(minLogLevelFromEnv({ AWS_LAMBDA_LOG_LEVEL: 'error' })).toBe(LOG_LEVELS.ERROR);
    expect(minLogLevelFromEnv({ AWS_LAMBDA_LOG_LEVEL: 'nonsense' })).toBe(LOG_LEVELS.TRACE);
    expect(minLogLevelFromEnv({})).toBe(LOG_LEVELS.TRACE);
  });
});
