/**
 * Truncates a string and masks anything that looks like a credential, so sink arguments and input values can
 * travel in findings. One linear scan over at most 2×max characters; no backtracking regexes.
 */

const DEFAULT_MAX = 256;
const MASK = '****';

function isTokenChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 43 ||
    c === 47 ||
    c === 61 ||
    c === 95 ||
    c === 45 ||
    c === 46
  );
}

function isUpperOrDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
}

/** Key names whose value is a secret in `key=value`, `key: value` and `"key":"value"` shapes. */
const SECRET_KEY_WORDS = [
  'secret',
  'token',
  'passw',
  'pwd',
  'apikey',
  'api_key',
  'api-key',
  'auth',
  'credential',
  'session',
  'private',
  'signature',
];

function isSecretKey(key: string): boolean {
  const k = key.toLowerCase();
  for (const w of SECRET_KEY_WORDS) if (k.includes(w)) return true;
  return false;
}

/**
 * Randomness check without allocation: random keys switch between lower case, upper case and digits often
 * (about every other character); words, paths and URLs rarely do. Separators (/ . - _ + =) are ignored.
 */
function looksRandom(tok: string): boolean {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let transitions = 0;
  let prev = -1;
  for (let i = 0; i < tok.length; i++) {
    const c = tok.charCodeAt(i);
    let cls: number;
    if (c >= 97 && c <= 122) {
      cls = 0;
      lower++;
    } else if (c >= 65 && c <= 90) {
      cls = 1;
      upper++;
    } else if (c >= 48 && c <= 57) {
      cls = 2;
      digit++;
    } else continue;
    if (prev !== -1 && cls !== prev) transitions++;
    prev = cls;
  }
  const alnum = lower + upper + digit;
  const classes = (lower > 0 ? 1 : 0) + (upper > 0 ? 1 : 0) + (digit > 0 ? 1 : 0);
  if (alnum < 20) return false;
  // CamelCase words change class about every 3–6 characters; random base64/hex about every 2.
  if (classes === 3) return transitions * 3.5 >= alnum;
  return classes === 2 && alnum >= 32 && transitions * 2.5 >= alnum;
}

/** Masks one token (a maximal run of base64/url-safe characters) when it looks like a credential. */
function maskToken(tok: string, prevKey: string | undefined): string {
  if (tok.length >= 20 && (tok.startsWith('AKIA') || tok.startsWith('ASIA')) && isUpperOrDigit(tok.charCodeAt(4))) {
    return tok.slice(0, 4) + MASK;
  }
  if (tok.startsWith('eyJ') && tok.split('.').length === 3 && tok.length > 20) return 'eyJ' + MASK + '[jwt]';
  if (prevKey !== undefined && tok.length >= 4 && isSecretKey(prevKey)) return MASK;
  if (tok.length >= 24 && looksRandom(tok)) return tok.slice(0, 4) + MASK;
  return tok;
}

/**
 * Returns `s` truncated to `max` characters (with `…`), with credential-looking substrings masked:
 * AWS access key ids (AKIA…/ASIA…), JWTs, values of `secret=…`/`token: …`/`"password":"…"` pairs,
 * URL userinfo passwords, `Bearer`/`Basic` credentials and long high-entropy tokens.
 */
export function redact(s: string, max: number = DEFAULT_MAX): string {
  if (typeof s !== 'string') s = String(s);
  const limit = Math.max(8, max);
  // Look a little past the cut so a secret straddling it is still recognised, then cut.
  const src = s.length > limit * 2 ? s.slice(0, limit * 2) : s;
  let out = '';
  let i = 0;
  let lastWord = ''; // last identifier-like word, for key=value detection
  let keyForNext: string | undefined; // set after `key=` / `key:` / `key":"` / `Bearer `
  while (i < src.length) {
    const c = src.charCodeAt(i);
    if (isTokenChar(c)) {
      let j = i + 1;
      while (j < src.length && isTokenChar(src.charCodeAt(j))) j++;
      let tok = src.slice(i, j);
      // `user:pass@host` inside URLs: mask the password part.
      if (
        j < src.length &&
        src.charCodeAt(j) === 64 /* @ */ &&
        out.endsWith(':') &&
        /\/\/[^/\s:@]*:$/.test(out.slice(-80))
      ) {
        tok = MASK;
      } else {
        // `key=value` pairs: the key is part of the token run only when `=` ends... split on the first '='.
        const eq = tok.indexOf('=');
        if (eq > 0 && eq < tok.length - 1 && isSecretKey(tok.slice(0, eq))) {
          tok = tok.slice(0, eq + 1) + MASK;
        } else {
          const scheme = tok === 'Bearer' || tok === 'Basic' || tok === 'bearer' || tok === 'basic';
          if (!scheme) tok = maskToken(tok, keyForNext);
        }
      }
      const lw = src.slice(i, j);
      if (lw === 'Bearer' || lw === 'Basic' || lw === 'bearer' || lw === 'basic') keyForNext = 'token';
      else keyForNext = undefined;
      lastWord = lw.endsWith('=') ? lw.slice(0, -1) : lw;
      out += tok;
      i = j;
      continue;
    }
    out += src[i];
    // Separators that bind a key to the following value (`=`, `:`); quotes and spaces keep the binding.
    if (c === 61 || c === 58) keyForNext = isSecretKey(lastWord) ? lastWord : undefined;
    else if (c !== 34 && c !== 39 && c !== 32) keyForNext = undefined;
    i++;
    if (out.length > limit * 2) break;
  }
  return out.length <= limit ? out : `${out.slice(0, limit - 1)}…`;
}
