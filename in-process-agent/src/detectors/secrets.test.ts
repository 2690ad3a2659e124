import fc from 'fast-check';
import { detectSecretLeak, encodedForms } from './secrets';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const secrets = [
  { name: 'AWS_SECRET_ACCESS_KEY', value: SECRET },
  { name: 'SHORT', value: 'true' },
];

describe('detectSecretLeak', () => {
  const wrap = (s: string) => Buffer.from(s);
  test.each([
    ['plain in a URL', `https://evil.example/?k=${SECRET}`, 'plain'],
    ['URL-encoded query', `https://evil.example/?k=${encodeURIComponent(SECRET)}`, 'url'],
    ['URL-encoded, lower-case escapes', `k=${encodeURIComponent(SECRET).toLowerCase().replace(/%2f/g, '%2f')}`, 'url'],
    ['base64 of the value', `Authorization: Basic ${wrap(SECRET).toString('base64')}`, 'base64'],
    [
      'base64 of a larger JSON document (alignment 0)',
      wrap(JSON.stringify({ k: SECRET })).toString('base64'),
      'base64',
    ],
    [
      'base64 of a larger JSON document (alignment 1)',
      wrap(JSON.stringify({ kk: SECRET })).toString('base64'),
      'base64',
    ],
    [
      'base64 of a larger JSON document (alignment 2)',
      wrap(JSON.stringify({ kkk: SECRET })).toString('base64'),
      'base64',
    ],
    ['base64url inside a larger blob', wrap(`env=${SECRET}&x=1`).toString('base64url'), 'base64url'],
    ['hex', `d=${wrap(SECRET).toString('hex').toUpperCase()}`, 'hex'],
    ['JSON with escaped slashes', JSON.stringify({ k: SECRET }).replace(/\//g, '\\/'), 'json'],
  ])('%s', (_name, data, encoding) => {
    const v = detectSecretLeak(data, secrets)!;
    expect(v).toBeDefined();
    expect(v.category).toBe('credential_exfiltration');
    expect(v.severity).toBe('critical');
    // base64 and base64url share their alphabet except for + and /: either label is right when they coincide
    if (encoding === 'base64url') expect(['base64', 'base64url']).toContain(v.details?.encoding);
    else expect(v.details?.encoding).toBe(encoding);
    expect(v.details?.secret).toBe('AWS_SECRET_ACCESS_KEY');
    const serialized = JSON.stringify(v);
    for (const f of encodedForms(SECRET)) expect(serialized).not.toContain(f.text);
  });

  test('negatives: other data, short secrets, partial values', () => {
    expect(detectSecretLeak('{"ok":true, "region":"us-east-1"}', secrets)).toBeUndefined();
    expect(detectSecretLeak(SECRET.slice(0, 10), secrets)).toBeUndefined();
    expect(detectSecretLeak('x'.repeat(100), [])).toBeUndefined();
  });

  test('property: the secret in any of its encodings inside random data is found; random data without it is not', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 50 }),
        fc.string({ maxLength: 50 }),
        fc.constantFrom('plain', 'base64', 'url', 'hex'),
        (a, b, enc) => {
          const forms: Record<string, string> = {
            plain: SECRET,
            base64: Buffer.from(a + SECRET + b).toString('base64'),
            url: encodeURIComponent(SECRET),
            hex: Buffer.from(SECRET).toString('hex'),
          };
          const data = enc === 'base64' ? forms.base64 : a + forms[enc] + b;
          expect(detectSecretLeak(data, secrets)).toBeDefined();
          expect(detectSecretLeak(a + b, secrets)).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });
});
