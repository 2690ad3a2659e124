import { REDACTED, redactSecrets } from './redact';

describe('redactSecrets', () => {
  test('replaces values of secret-named keys at any depth and keeps the rest', () => {
    const input = {
      FunctionName: 'orders',
      Environment: { Variables: { TABLE: 't', API_TOKEN: 'tok', DB_PASSWORD: 'pw', SENTINEL_SLACK_WEBHOOK_URL: 'u' } },
      Item: { token: { S: 'abc' }, n: { N: '1' } },
      list: [{ clientSecret: 's' }, 'plain'],
    };
    expect(redactSecrets(input)).toEqual({
      FunctionName: 'orders',
      Environment: {
        Variables: { TABLE: 't', API_TOKEN: REDACTED, DB_PASSWORD: REDACTED, SENTINEL_SLACK_WEBHOOK_URL: REDACTED },
      },
      Item: { token: REDACTED, n: { N: '1' } },
      list: [{ clientSecret: REDACTED }, 'plain'],
    });
  });

  test('replaces secret-shaped values inside any string', () => {
    const text = 'key AKIAABCDEFGHIJKLMNOP hook https://hooks.slack.com/services/T1/B2/xyz token xoxb-123-abc end';
    expect(redactSecrets({ Message: text })).toEqual({
      Message: `key ${REDACTED} hook ${REDACTED} token ${REDACTED} end`,
    });
  });

  test('does not mutate its input and keeps empty secret fields visible', () => {
    const input = { password: '', nested: { secret: 'x' } };
    const out = redactSecrets(input);
    expect(input.nested.secret).toBe('x');
    expect(out).toEqual({ password: '', nested: { secret: REDACTED } });
  });
});
