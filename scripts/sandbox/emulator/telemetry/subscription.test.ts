import { validateSubscription } from './subscription';

const base = {
  schemaVersion: '2022-12-13',
  types: ['platform', 'function'],
  destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:8080/telemetry?x=1' },
};

describe('validateSubscription', () => {
  test('defaults and the destination mapped to 127.0.0.1', () => {
    const v = validateSubscription(base, [4000]);
    expect(v).toEqual({
      ok: true,
      value: {
        schemaVersion: '2022-12-13',
        types: ['platform', 'function'],
        buffering: { maxItems: 1000, maxBytes: 262144, timeoutMs: 1000 },
        destination: {
          protocol: 'HTTP',
          uri: base.destination.URI,
          host: '127.0.0.1',
          port: 8080,
          path: '/telemetry?x=1',
        },
      },
    });
  });
  test.each([
    ['schemaVersion', { ...base, schemaVersion: undefined }],
    ['types', { ...base, types: 'platform' }],
    ['extension type', { ...base, types: ['platform', 'bogus'] }],
    ['maxItems low', { ...base, buffering: { maxItems: 999 } }],
    ['maxItems high', { ...base, buffering: { maxItems: 10001 } }],
    ['maxBytes low', { ...base, buffering: { maxBytes: 262143 } }],
    ['timeoutMs high', { ...base, buffering: { timeoutMs: 30001 } }],
    ['non-integer', { ...base, buffering: { timeoutMs: 25.5 } }],
    ['unknown buffering field', { ...base, buffering: { maxItem: 1000 } }],
    ['API port', { ...base, destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:4000/' } }],
    ['TCP port 9001', { ...base, destination: { protocol: 'TCP', port: 9001 } }],
    ['TCP port range', { ...base, destination: { protocol: 'TCP', port: 70000 } }],
    ['no destination', { ...base, destination: undefined }],
  ])('rejects %s', (_what, body) => {
    expect(validateSubscription(body as Record<string, unknown>, [4000]).ok).toBe(false);
  });
  test('accepts the range bounds, the short host and TCP', () => {
    const bounds = { maxItems: 10000, maxBytes: 1048576, timeoutMs: 25 };
    expect(validateSubscription({ ...base, buffering: bounds }, []).ok).toBe(true);
    expect(validateSubscription({ ...base, destination: { protocol: 'HTTP', URI: 'http://sandbox:1/' } }, []).ok).toBe(
      true,
    );
    expect(validateSubscription({ ...base, destination: { protocol: 'TCP', port: 5000 } }, [])).toMatchObject({
      ok: true,
      value: { destination: { protocol: 'TCP', port: 5000 } },
    });
  });
});
