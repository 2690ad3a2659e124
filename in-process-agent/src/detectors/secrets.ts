/**
 * Secret values in outbound data (URL, headers, body): the raw value or its base64, base64url, URL-encoded or
 * hex form. Base64 of a secret embedded inside a larger encoded blob depends on its byte alignment, so the
 * stable middle part of the encoding is searched for each of the three alignments.
 * Verdicts name the secret, never carry its value or a hash of it.
 */
import { redact } from './redact';
import type { Verdict } from './types';

/** Values shorter than this are too likely to occur by chance (e.g. "us-east-1", "true"). */
export const MIN_SECRET_LENGTH = 12;
/** Shortest encoded fragment searched; shorter ones would match random data. */
const MIN_FRAGMENT = 12;
const MAX_CACHE = 64;

interface Form {
  encoding: string;
  text: string;
  caseInsensitive?: boolean;
}

const formsCache = new Map<string, Form[]>();

/** The stable middle of base64(prefix bytes + value) for the three alignments. */
function base64Cores(value: Buffer, url: boolean): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const buf = Buffer.concat([Buffer.alloc(shift), value]);
    let enc = buf.toString(url ? 'base64url' : 'base64').replace(/=+$/, '');
    // Character i covers bits [6i, 6i+6): keep only those made of the value's own bits.
    const lead = Math.ceil((shift * 8) / 6);
    const stableEnd = Math.floor(((shift + value.length) * 8) / 6);
    enc = enc.slice(lead, Math.max(lead, stableEnd));
    if (enc.length >= MIN_FRAGMENT) out.push(enc);
  }
  return out;
}

export function encodedForms(value: string): Form[] {
  const cached = formsCache.get(value);
  if (cached) return cached;
  const bytes = Buffer.from(value, 'utf8');
  const forms: Form[] = [{ encoding: 'plain', text: value }];
  const whole64 = bytes.toString('base64');
  forms.push({ encoding: 'base64', text: whole64.replace(/=+$/, '') });
  for (const core of base64Cores(bytes, false)) forms.push({ encoding: 'base64', text: core });
  for (const core of base64Cores(bytes, true)) forms.push({ encoding: 'base64url', text: core });
  let uri = value;
  try {
    uri = encodeURIComponent(value);
  } catch {
    // lone surrogates cannot be URL-encoded, so they cannot leave in that form either
  }
  if (uri !== value) {
    forms.push({ encoding: 'url', text: uri, caseInsensitive: true });
    const form = uri.replace(/%20/g, '+');
    if (form !== uri) forms.push({ encoding: 'url', text: form, caseInsensitive: true });
  }
  forms.push({ encoding: 'hex', text: bytes.toString('hex'), caseInsensitive: true });
  const json = JSON.stringify(value).slice(1, -1).replace(/\//g, '\\/');
  if (json !== value) forms.push({ encoding: 'json', text: json });
  const unique = forms.filter(
    (f, i) => f.text.length >= MIN_FRAGMENT && forms.findIndex((g) => g.text === f.text) === i,
  );
  if (formsCache.size >= MAX_CACHE) formsCache.clear();
  formsCache.set(value, unique);
  return unique;
}

export function detectSecretLeak(
  data: string,
  secrets: ReadonlyArray<{ name: string; value: string }>,
): Verdict | undefined {
  if (typeof data !== 'string' || data.length < MIN_FRAGMENT) return undefined;
  let lower: string | undefined; // computed once, only if a case-insensitive form needs it
  for (const s of secrets) {
    if (!s || typeof s.value !== 'string' || s.value.length < MIN_SECRET_LENGTH) continue;
    for (const f of encodedForms(s.value)) {
      let found: boolean;
      if (f.caseInsensitive) {
        lower ??= data.toLowerCase();
        found = lower.includes(f.text.toLowerCase());
      } else found = data.includes(f.text);
      if (found) {
        const name = redact(String(s.name), 64);
        return {
          category: 'credential_exfiltration',
          kind: 'secret_in_outbound',
          severity: 'critical',
          confidence: f.encoding === 'plain' || f.encoding === 'json' ? 'high' : 'medium',
          title: `Value of ${name} found in outbound data (${f.encoding})`,
          details: { secret: name, encoding: f.encoding },
        };
      }
    }
  }
  return undefined;
}
