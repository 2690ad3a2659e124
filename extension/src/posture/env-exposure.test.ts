import fc from 'fast-check';
import { isPlatformVariable, scanEnvironment } from './env-exposure';
import { exposureFinding } from './findings';
import { environmentKey } from './posture-key';
import { classifySecret } from './secret-shapes';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const body = (n: number, alphabet = ALNUM) =>
  fc.string({ unit: fc.constantFrom(...alphabet.split('')), minLength: n, maxLength: n });

/** Every window of `len` characters of `s`. */
function windows(s: string, len = 6): string[] {
  const out: string[] = [];
  for (let i = 0; i + len <= s.length; i++) out.push(s.slice(i, i + len));
  return out;
}

describe('classifySecret', () => {
  it.each([
    ['AWS_LIKE', 'AKIAIOSFODNN7EXAMPLE', 'aws_access_key_id'],
    ['KEY', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----', 'private_key'],
    ['KEY', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn...', 'private_key'],
    ['GH', `ghp_${'a1B2'.repeat(9)}`, 'github_token'],
    ['GH', `github_pat_11ABCDEFG0${'x'.repeat(60)}`, 'github_token'],
    ['SLACK', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'slack_token'],
    ['HOOK', 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX', 'slack_webhook'],
    ['PAY', `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`, 'stripe_live_key'],
    ['PAY', `rk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`, 'stripe_live_key'],
    ['PAY', `sk_test_${'4eC39HqLyjWDarjtT1zdp7dc'}`, 'stripe_test_key'],
    ['AI', `sk-proj-${'Ab3dEf6hIj9kLm2nOp5qRs8t'}`, 'openai_key'],
    ['AI', `sk-${'Ab3dEf6hIj9kLm2nOp5qRs8tUv'}`, 'openai_key'],
    ['AI', `sk-ant-api03-${'Ab3dEf6hIj9kLm2nOp5qRs8tUv'}`, 'anthropic_key'],
    ['MAPS', `AIza${'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q'}`, 'google_api_key'],
    ['NPMRC', `npm_${'a'.repeat(18)}${'B'.repeat(18)}`, 'npm_token'],
    ['MAIL', `SG.${'a'.repeat(22)}.${'b'.repeat(43)}`, 'sendgrid_key'],
    ['TW', `SK${'0123456789abcdef'.repeat(2)}`, 'twilio_api_key'],
    [
      'SESSION',
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'jwt',
    ],
    ['DATABASE_URL', 'postgres://app:s3cr3t-pw@db.internal:5432/app', 'url_credentials'],
    ['API_TOKEN', 'f8Kq2zP9xLw4Rt7Y', 'generic_secret'],
    ['DB_PASSWORD', 'Tr0ub4dor&3-horse', 'generic_secret'],
  ])('%s=%s… is %s', (name, value, kind) => {
    expect(classifySecret(name, value)).toBe(kind);
  });

  it.each([
    ['DB_HOST', 'db.internal'],
    ['TABLE_NAME', 'orders-prod'],
    ['API_TOKEN', 'changeme'],
    ['API_TOKEN', 'xxxxxxxxxxxxxxxxxxxx'],
    ['SECRET_ARN', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf'],
    ['DB_PASSWORD', 'arn:aws:ssm:us-east-1:123456789012:parameter/db/password'],
    ['TOKEN_TTL', '3600'],
    ['API_KEY_ID', 'a8f0e2b4c6d81234'],
    ['PUBLIC_URL', 'https://example.com/path?x=1'],
    ['DATABASE_URL', 'postgres://db.internal:5432/app'],
    ['FEATURE_FLAGS', 'a,b,c,d,e,f,g,h'],
    ['NODE_ENV', 'production'],
  ])('%s=%s is not a secret', (name, value) => {
    expect(classifySecret(name, value)).toBeUndefined();
  });
});

describe('scanEnvironment', () => {
  const key = environmentKey();

  it('skips Lambda, runtime and Sentinel variables (the role credentials are expected)', () => {
    const env = {
      AWS_ACCESS_KEY_ID: 'ASIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ',
      LAMBDA_TASK_ROOT: '/var/task',
      _HANDLER: 'index.handler',
      _X_AMZN_TRACE_ID: 'Root=1-5e1b4151-5ac6c58f5b5a2f1b8d9c0e1f',
      SENTINEL_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
      PATH: '/var/lang/bin:/usr/bin',
      NODE_OPTIONS: '--require /opt/sentinel/agent.cjs',
      STRIPE_KEY: `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`,
    };
    const r = scanEnvironment(env, key.hash);
    expect(r.exposures.map((e) => e.variable)).toEqual(['STRIPE_KEY']);
    expect(r.summary).toMatchObject({
      variables: 10,
      checked: 1,
      secrets: 1,
      skipped: 0,
      byKind: { stripe_live_key: 1 },
    });
    expect(isPlatformVariable('AWS_LAMBDA_FUNCTION_NAME')).toBe(true);
    expect(isPlatformVariable('MY_AWS_KEY')).toBe(false);
  });

  it('skips binary values with a count and survives huge values', () => {
    const r = scanEnvironment(
      { BIN: 'abc\u0001def\u0002', BAD_UTF8: 'x\ufffdy', HUGE_TOKEN: `${'Zq9'.repeat(100_000)}`, OK: 'plain' },
      key.hash,
    );
    expect(r.summary).toMatchObject({ variables: 4, skipped: 2, checked: 2 });
  });

  it('the same value hashes the same under one key and differently under another', () => {
    const env = { A_TOKEN: 'f8Kq2zP9xLw4Rt7Y', B_TOKEN: 'f8Kq2zP9xLw4Rt7Y' };
    const [a, b] = scanEnvironment(env, key.hash).exposures;
    expect(a.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(a.hash).toBe(b.hash);
    expect(scanEnvironment(env, environmentKey().hash).exposures[0].hash).not.toBe(a.hash);
  });

  it('property: no 6-character piece of a secret appears in its finding, the summary or the hash', () => {
    const secretArb = fc.oneof(
      body(36).map((b) => ({ value: `ghp_${b}`, secret: b })),
      body(24).map((b) => ({ value: `sk_live_${b}`, secret: b })),
      body(24).map((b) => ({ value: `xoxb-1234-${b}`, secret: b })),
      body(35, `${ALNUM}_-`).map((b) => ({ value: `AIza${b}`, secret: b })),
      body(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567').map((b) => ({ value: `AKIA${b}`, secret: b })),
      fc.tuple(body(8), body(16)).map(([u, p]) => ({ value: `mysql://${u}:${p}@db:3306/x`, secret: p })),
      body(40).map((b) => ({ value: b, secret: b })),
    );
    fc.assert(
      fc.property(
        secretArb,
        fc.constantFrom('API_TOKEN', 'CLIENT_SECRET', 'DB_PASSWORD', 'SERVICE_CONFIG'),
        (s, name) => {
          const { exposures, summary } = scanEnvironment({ [name]: s.value }, key.hash);
          const out = JSON.stringify([exposures.map((e) => exposureFinding(e, key.scope)), summary]);
          for (const w of windows(s.secret)) expect(out).not.toContain(w);
          expect(out).not.toContain(s.value);
        },
      ),
      { numRuns: 300 },
    );
  });
});
