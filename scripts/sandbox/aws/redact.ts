/**
 * Redaction for recorded request bodies: the call log is printed in reports and test failures, so secret values
 * (a function's API keys in UpdateFunctionConfiguration, a token attribute in a DynamoDB item) must never appear
 * in it. Keys are matched by name; a few unmistakable secret value shapes are matched anywhere.
 */

export const REDACTED = '[REDACTED]';

const SECRET_KEY =
  /secret|token|passw(or)?d|passwd|credential|private[_-]?key|api[_-]?key|access[_-]?key|auth|cookie|session|signature|webhook/i;

const SECRET_VALUES: RegExp[] = [
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, // AWS access key ids
  /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g, // Slack webhook URLs carry their secret in the path
  /\bxox[abposr]-[A-Za-z0-9-]+/g, // Slack tokens
];

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

function redactString(value: string): string {
  let out = value;
  for (const pattern of SECRET_VALUES) out = out.replace(pattern, REDACTED);
  return out;
}

/** A deep copy of `value` with secret-named keys' values and secret-shaped strings replaced by REDACTED. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 64) return REDACTED; // a pathological nesting is not worth recording
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = isSecretKey(key) && v !== null && v !== undefined && v !== '' ? REDACTED : redactSecrets(v, depth + 1);
    }
    return out;
  }
  return value;
}
