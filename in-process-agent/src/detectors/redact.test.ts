import fc from 'fast-check';
import { redact } from './redact';

describe('redact', () => {
  test.each([
    ['AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
    ['ASIAXYZXYZXYZXYZXYZX', 'ASIAXYZXYZXYZXYZXYZX'],
    [
      'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
      'eyJzdWIiOiIxMjM0In0',
    ],
    ['password=hunter2secret', 'hunter2secret'],
    ['{"apiKey":"abcd1234efgh"}', 'abcd1234efgh'],
    ['Authorization: Bearer abc.def-123456', 'abc.def-123456'],
    ['https://user:s3cretpw@example.com/x', 's3cretpw'],
    ['key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ['ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R', '1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R'],
    [
      'sk 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ],
  ])('%s hides %s', (input, secret) => {
    const out = redact(input);
    expect(out).not.toContain(secret);
    expect(out).toContain('****');
  });

  test.each([
    '/var/task/node_modules/some-package/lib/index.js',
    'convert a.png b.png',
    'https://api.example.com/v1/items?id=42',
    'hello world',
    'com.example.MyLongClassNameForTesting',
  ])('%s is kept', (s) => {
    expect(redact(s)).toBe(s);
  });

  test('truncates with an ellipsis', () => {
    const out = redact('a '.repeat(500), 50);
    expect(out.length).toBe(50);
    expect(out.endsWith('…')).toBe(true);
  });

  test('property: never throws, never longer than max, bounded work on huge input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.integer({ min: 8, max: 300 }), (s, max) => {
        expect(redact(s, max).length).toBeLessThanOrEqual(max);
      }),
      { numRuns: 500 },
    );
  });
});
