/**
 * Environment variable exposure: which of the function's own variables hold plaintext credentials. Lambda's and
 * the runtime's variables are not findings (AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN are the execution role's,
 * expected there). Each exposure carries the variable name, the kind and a keyed short hash of the value
 * (`hashValue`, see posture-key.ts) so two environments can tell "same secret" apart from "rotated" without the
 * value, a prefix of it, or an unkeyed hash (brute-forceable for short values) ever leaving this module.
 */
import { classifySecret, LOW_SEVERITY_KINDS } from './secret-shapes';

export interface Exposure {
  variable: string;
  kind: string;
  /** First 12 hex of HMAC-SHA256(posture key, value). */
  hash: string;
  severity: 'low' | 'medium';
}

export interface ExposureSummary {
  variables: number;
  checked: number;
  /** Variables not examined because their value is binary (control characters, invalid UTF-8 replacement). */
  skipped: number;
  secrets: number;
  byKind: Record<string, number>;
}

/** Prefixes and names that belong to Lambda, the runtime, Sentinel or the shell, never to the customer. */
const PLATFORM_PREFIXES = ['AWS_', 'LAMBDA_', '_', 'SENTINEL_'];
const PLATFORM_NAMES = new Set([
  'PATH',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'HOME',
  'PWD',
  'OLDPWD',
  'SHLVL',
  'HOSTNAME',
  'TERM',
  'USER',
  'SHELL',
  'LC_ALL',
  'LC_CTYPE',
  'LD_LIBRARY_PATH',
  'NODE_PATH',
  'NODE_OPTIONS',
  'NODE_EXTRA_CA_CERTS',
]);
/** Longest value examined (patterns run on this much; the hash covers the whole value). */
const MAX_SCAN_CHARS = 64 * 1024;
/** Upper bound on reported exposures (a pathological environment must not flood the pipeline). */
export const MAX_EXPOSURES = 64;

const BINARY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;

export function isPlatformVariable(name: string): boolean {
  return PLATFORM_NAMES.has(name) || PLATFORM_PREFIXES.some((p) => name.startsWith(p));
}

export function scanEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  hashValue: (value: string) => string,
): { exposures: Exposure[]; summary: ExposureSummary } {
  const summary: ExposureSummary = { variables: 0, checked: 0, skipped: 0, secrets: 0, byKind: {} };
  const exposures: Exposure[] = [];
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value === undefined) continue;
    summary.variables++;
    if (isPlatformVariable(name)) continue;
    const scanned = value.length > MAX_SCAN_CHARS ? value.slice(0, MAX_SCAN_CHARS) : value;
    if (BINARY.test(scanned)) {
      summary.skipped++;
      continue;
    }
    summary.checked++;
    const kind = classifySecret(name, scanned);
    if (!kind) continue;
    summary.secrets++;
    summary.byKind[kind] = (summary.byKind[kind] ?? 0) + 1;
    if (exposures.length < MAX_EXPOSURES)
      exposures.push({
        variable: name.slice(0, 128),
        kind,
        hash: hashValue(value),
        severity: LOW_SEVERITY_KINDS.has(kind) ? 'low' : 'medium',
      });
  }
  return { exposures, summary };
}
