/**
 * What a plaintext credential looks like: known vendor shapes (prefixes and lengths published by the vendors or
 * used by their secret-scanning partners) and, for variables whose name says "secret", length + entropy.
 * Pure functions: the caller decides what to report and never sees more than the kind.
 */

export interface SecretShape {
  kind: string;
  /** Tested against the whole value (patterns are unanchored: a token inside a connection string counts). */
  re: RegExp;
}

/** Ordered: the first match names the kind. */
export const SECRET_SHAPES: readonly SecretShape[] = [
  { kind: 'private_key', re: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { kind: 'aws_access_key_id', re: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/ },
  { kind: 'github_token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/ },
  { kind: 'slack_token', re: /\bxox[abposre]-[A-Za-z0-9-]{10,}/ },
  { kind: 'slack_webhook', re: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{16,}/ },
  { kind: 'stripe_live_key', re: /\b[sr]k_live_[A-Za-z0-9]{16,}/ },
  { kind: 'stripe_test_key', re: /\b[sr]k_test_[A-Za-z0-9]{16,}/ },
  { kind: 'anthropic_key', re: /\bsk-ant-[A-Za-z0-9_-]{20,}/ },
  { kind: 'openai_key', re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/ },
  { kind: 'google_api_key', re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { kind: 'npm_token', re: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { kind: 'sendgrid_key', re: /\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}\b/ },
  { kind: 'twilio_api_key', re: /\bSK[0-9a-fA-F]{32}\b/ },
  { kind: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/ },
  // scheme://user:password@host — the password part must be non-empty and not a template placeholder.
  { kind: 'url_credentials', re: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:@/]{1,256}:(?!\$\{|<|%s@)[^\s@/]{1,256}@[^\s@]/i },
];

/** Kinds that are reported with medium severity (live credentials); the others are low. */
export const LOW_SEVERITY_KINDS = new Set(['stripe_test_key', 'generic_secret']);

/** Names that say "this holds a credential". */
const SECRET_NAME =
  /(?:secret|token|passw(?:or)?d|passwd|pwd|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|auth|signing[_-]?key|client[_-]?key|salt|bearer|cookie[_-]?key|session[_-]?key|encryption[_-]?key)/i;
/** Names that match SECRET_NAME but name a location or an identifier, not the secret itself. */
const REFERENCE_NAME =
  /(?:_ARN|_NAME|_ID|_PATH|_FILE|_URL|_URI|_ENDPOINT|_HOST|_REGION|_TTL|_EXPIRY|_LENGTH|_HEADER|_PARAM|_KEY_ID)$/i;

/** Values that point at a secret store instead of holding a secret (the recommended practice). */
const REFERENCE_VALUE = /^(?:arn:aws[a-z-]*:|\{\{resolve:|ssm:|secretsmanager:|\/aws\/reference\/|\$\{)/;

export const GENERIC_MIN_LENGTH = 12;
export const GENERIC_MIN_ENTROPY = 3.0;

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  const n = [...s].length;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A placeholder, flag or number rather than a credential (`true`, `changeme`, `xxx…`, `12345`, a path). */
function isPlaceholder(v: string): boolean {
  return (
    /^(?:true|false|yes|no|on|off|none|null|undefined|changeme|change-me|replace-?me|todo|dummy|example|placeholder|secret|password)$/i.test(
      v,
    ) ||
    /^(.)\1*$/.test(v) ||
    /^\d+$/.test(v) ||
    /^\.?\//.test(v) ||
    /\s{2,}/.test(v)
  );
}

export function secretNameHint(name: string): boolean {
  return SECRET_NAME.test(name) && !REFERENCE_NAME.test(name);
}

/**
 * The kind of credential `value` holds, or undefined. `name` matters only for the generic rule (a high-entropy
 * value of sufficient length in a variable named like a secret).
 */
export function classifySecret(name: string, value: string): string | undefined {
  if (value.length < 8 || REFERENCE_VALUE.test(value)) return undefined;
  for (const s of SECRET_SHAPES) if (s.re.test(value)) return s.kind;
  if (
    secretNameHint(name) &&
    value.length >= GENERIC_MIN_LENGTH &&
    !isPlaceholder(value) &&
    shannonEntropy(value) >= GENERIC_MIN_ENTROPY
  )
    return 'generic_secret';
  return undefined;
}
