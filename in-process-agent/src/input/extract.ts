/**
 * Event → user-input strings with JSON paths, for every Lambda trigger.
 *
 * Every string value and every object key in the event is an input, plus what they decode to:
 * JSON-in-string (SQS `body`, SNS `Message`, API bodies) → `<json>`; URL-encoding (a few rounds) → `<url>`;
 * `application/x-www-form-urlencoded` bodies, `rawQueryString` → `<form>`; cookies → `<cookie>`;
 * JWT header/payload (Authorization headers, any `eyJ…` token) → `<jwt>`, `<jwt-header>`; base64 where the trigger
 * says so (`isBase64Encoded` bodies, Kinesis/Firehose `data`) or where it decodes to JSON → `<base64>`;
 * S3 object keys (URL-encoded with `+` for space) → `<url>`; `Authorization: Basic` → `<basic>` (user name and
 * password); CloudWatch Logs `awslogs.data` (base64 gzip, output bounded) → `<gzip>`. Object keys are recorded
 * with the suffix `<key>`.
 *
 * The walk is iterative (no recursion), visits each object once (cycles and shared subtrees cost nothing extra)
 * and is bounded by the limits below; every cap that trims the result is counted in `capsHit`.
 */

/** One string from the event. `path` is a JSON path such as `$.body.cmd`, `$.Records[0].s3.object.key`,
 *  `$.headers.x-foo`, `$.body<base64>.a`, `$.Records[0].body<json>.x`. */
export interface InputString {
  path: string;
  value: string;
}

export interface ExtractLimits {
  /** Most input strings recorded (also bounds the number of object/array nodes visited: 4×). */
  maxStrings: number;
  /** Deepest nesting followed; each decode step (JSON-in-string, base64, JWT) counts as one level. */
  maxDepth: number;
  /** Total length (UTF-16 code units) of all recorded strings, decoded copies included. */
  maxTotalBytes: number;
  /** Longest string that is decoded (JSON, base64, URL, form, JWT); longer strings are recorded as they are. */
  maxStringBytes: number;
  /** How many nested decodings one string may go through (e.g. URL-decode rounds, base64 → JSON → URL). */
  maxDecodeRounds: number;
}

/**
 * Defaults: 4,096 strings; depth 32; 16 MiB in total; strings up to 6 MiB (the largest synchronous Lambda
 * payload, so padding a body cannot hide a payload from decoding) are decoded; 3 decode rounds.
 */
export const DEFAULT_EXTRACT_LIMITS: Readonly<ExtractLimits> = Object.freeze({
  maxStrings: 4096,
  maxDepth: 32,
  maxTotalBytes: 16 * 1024 * 1024,
  maxStringBytes: 6 * 1024 * 1024,
  maxDecodeRounds: 3,
});

export interface ExtractResult {
  inputs: InputString[];
  /** How often each cap trimmed the result (0 = complete). */
  capsHit: { strings: number; depth: number; bytes: number };
}

/** How a string should be decoded, decided by where it sits in the event. */
const H = { none: 0, base64: 1, form: 2, cookie: 3, s3key: 4, base64form: 5, authorization: 6, gzip64: 7 } as const;
type Hint = (typeof H)[keyof typeof H];

interface Frame {
  v: unknown;
  path: string;
  depth: number;
  /** Key of this value, of its parent and of its grandparent (array indices are skipped). */
  key: string;
  parent: string;
  grand: string;
  hint: Hint;
  rounds: number;
}

const MAX_PATH_KEY = 64;
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');
/** UTF-8 validation without an exception per rejected candidate (throwing costs microseconds; Node ≥ 18.14). */
const validUtf8 = ((): ((b: Buffer) => boolean) | undefined => {
  try {
    // getBuiltinModule also works from an ESM bundle, where esbuild's `require` shim would throw.
    const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
    const f = ((getBuiltin ? getBuiltin('node:buffer') : require('node:buffer')) as { isUtf8?: unknown }).isUtf8;
    return typeof f === 'function' ? (f as (b: Buffer) => boolean) : undefined;
  } catch {
    return undefined;
  }
})();

function isPlainKey(k: string): boolean {
  if (k.length === 0 || k.length > MAX_PATH_KEY) return false;
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 36))
      return false;
  }
  return true;
}

function childPath(path: string, key: string): string {
  if (isPlainKey(key)) return `${path}.${key}`;
  return `${path}[${JSON.stringify(key.length > MAX_PATH_KEY ? `${key.slice(0, MAX_PATH_KEY)}…` : key)}]`;
}

function lowerKey(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  for (const k of Object.keys(o)) if (k.toLowerCase() === name) return o[k];
  return undefined;
}

/** Percent-decoding that never throws: invalid sequences decode to U+FFFD instead of aborting. */
export function percentDecode(s: string, plusAsSpace: boolean): string {
  const src = plusAsSpace ? s.replace(/\+/g, ' ') : s;
  try {
    return decodeURIComponent(src);
  } catch {
    const bytes: number[] = [];
    const enc = new TextEncoder();
    for (let i = 0; i < src.length; i++) {
      const c = src.charCodeAt(i);
      if (c === 37 && i + 2 < src.length + 0 && isHex(src.charCodeAt(i + 1)) && isHex(src.charCodeAt(i + 2))) {
        bytes.push(Number.parseInt(src.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (c < 128) bytes.push(c);
      else {
        // Copy one code point (surrogate pairs included) as UTF-8.
        const cp = src.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        for (const b of enc.encode(ch)) bytes.push(b);
        i += ch.length - 1;
      }
    }
    return lenientUtf8.decode(Uint8Array.from(bytes));
  }
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function hasPercentEscape(s: string): boolean {
  let i = s.indexOf('%');
  while (i !== -1 && i + 2 < s.length + 1) {
    if (isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) return true;
    i = s.indexOf('%', i + 1);
  }
  return false;
}

/** True when every character is in the base64 or base64url alphabet (padding allowed at the end). */
function isBase64Shape(s: string): boolean {
  if (s.length < 8) return false;
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  if (s.length - end > 2) return false;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (
      !(
        (c >= 48 && c <= 57) ||
        (c >= 65 && c <= 90) ||
        (c >= 97 && c <= 122) ||
        c === 43 ||
        c === 47 ||
        c === 45 ||
        c === 95
      )
    )
      return false;
  }
  return true;
}

/** Decodes base64 to text; undefined for binary (invalid UTF-8 or control characters). */
export function base64ToText(s: string): string | undefined {
  const buf = Buffer.from(s.trim(), s.includes('-') || s.includes('_') ? 'base64url' : 'base64');
  if (buf.length === 0) return undefined;
  let text: string;
  if (validUtf8) {
    if (!validUtf8(buf)) return undefined;
    text = buf.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // as TextDecoder does (BOM stripped)
  } else {
    try {
      text = fatalUtf8.decode(buf);
    } catch {
      return undefined;
    }
  }
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) control++;
  }
  return control * 100 > text.length ? undefined : text;
}

/**
 * base64 → gunzip → text, with the output bounded (a gzip bomb stops at `maxBytes`). node:zlib is loaded on
 * first use only (CloudWatch Logs events are rare) and is pure computation, no I/O.
 */
export function gunzipBase64(s: string, maxBytes: number): string | undefined {
  try {
    // getBuiltinModule also works from an ESM bundle, where esbuild's `require` shim would throw.
    const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
    const zlib = (getBuiltin ? getBuiltin('node:zlib') : require('node:zlib')) as typeof import('node:zlib');
    const out = zlib.gunzipSync(Buffer.from(s, 'base64'), { maxOutputLength: maxBytes });
    return fatalUtf8.decode(out);
  } catch {
    return undefined; // not gzip, too large, or not UTF-8
  }
}

function firstNonSpace(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return c;
  }
  return 0;
}

function looksLikeJsonContainer(s: string): boolean {
  const c = firstNonSpace(s);
  return c === 123 || c === 91; // { [
}

function tryJson(s: string): unknown {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The JWT inside `s` (`eyJ…`, optionally after `Bearer `), split in parts, or undefined. */
function jwtParts(s: string): string[] | undefined {
  let t = s;
  if (t.length > 7 && (t.startsWith('Bearer ') || t.startsWith('bearer '))) t = t.slice(7).trim();
  if (!t.startsWith('eyJ')) return undefined;
  const parts = t.split('.');
  if (parts.length !== 3 || parts[1].length < 2) return undefined;
  return parts;
}

class Extractor {
  readonly inputs: InputString[] = [];
  readonly capsHit = { strings: 0, depth: 0, bytes: 0 };
  private readonly seen = new Set<string>();
  private readonly visited = new Set<object>();
  private readonly stack: Frame[] = [];
  private totalBytes = 0;
  private nodesLeft: number;

  constructor(private readonly limits: ExtractLimits) {
    this.nodesLeft = Math.max(1, limits.maxStrings * 4);
  }

  run(event: unknown): void {
    this.push(event, '$', 0, '', '', '', H.none, 0);
    // Root-level HTTP shapes (API Gateway v1/v2, Function URLs, ALB): decide how `body` and cookies decode.
    while (this.stack.length > 0) {
      const f = this.stack.pop()!;
      if (typeof f.v === 'string') this.onString(f);
      else if (typeof f.v === 'object' && f.v !== null) this.onContainer(f);
    }
  }

  private push(
    v: unknown,
    path: string,
    depth: number,
    key: string,
    parent: string,
    grand: string,
    hint: Hint,
    rounds: number,
  ): void {
    if (typeof v !== 'string' && (typeof v !== 'object' || v === null)) return; // numbers, booleans: no syntax
    if (depth > this.limits.maxDepth) {
      this.capsHit.depth++;
      return;
    }
    this.stack.push({ v, path, depth, key, parent, grand, hint, rounds });
  }

  /** Records one string; returns false when it was already recorded or a cap refused it. */
  private record(value: string, path: string): boolean {
    if (this.seen.has(value)) return false; // its decodings were produced the first time
    if (this.inputs.length >= this.limits.maxStrings) {
      this.capsHit.strings++;
      return false;
    }
    if (this.totalBytes + value.length > this.limits.maxTotalBytes) {
      this.capsHit.bytes++;
      return false;
    }
    this.totalBytes += value.length;
    this.seen.add(value);
    this.inputs.push({ path, value });
    return true;
  }

  private onContainer(f: Frame): void {
    const o = f.v as object;
    if (this.visited.has(o)) return;
    this.visited.add(o);
    if (this.nodesLeft-- <= 0) {
      this.capsHit.strings++;
      return;
    }
    const d = f.depth + 1;
    if (Array.isArray(o)) {
      const n = Math.min(o.length, this.nodesLeft + this.limits.maxStrings);
      if (n < o.length) this.capsHit.strings++;
      // Children go on the stack in reverse so they come off in document order.
      for (let i = n - 1; i >= 0; i--) {
        const hint = f.key === 'cookies' && f.depth === 1 ? H.cookie : f.hint === H.cookie ? H.cookie : H.none;
        this.push(o[i], `${f.path}[${i}]`, d, f.key, f.parent, f.grand, hint, f.rounds);
      }
      return;
    }
    const rec = o as Record<string, unknown>;
    let keys: string[];
    try {
      keys = Object.keys(rec);
    } catch {
      return; // exotic objects (revoked proxies) from direct invokes in tests
    }
    const n = Math.min(keys.length, this.nodesLeft + this.limits.maxStrings);
    if (n < keys.length) this.capsHit.strings++;
    const bodyHint = f.depth === 0 ? this.httpBodyHint(rec) : H.none;
    // Keys are inputs too (prototype pollution, injection through names).
    for (let i = 0; i < n; i++) this.record(keys[i], `${childPath(f.path, keys[i])}<key>`);
    for (let i = n - 1; i >= 0; i--) {
      const k = keys[i];
      const p = childPath(f.path, k);
      let v: unknown;
      try {
        v = rec[k];
      } catch {
        continue; // throwing getters
      }
      this.push(v, p, d, k, f.key, f.parent, this.hintFor(f, k, bodyHint), f.rounds);
    }
  }

  /** API Gateway / ALB / Function URL bodies: base64 and/or form encoding, from the event's own fields. */
  private httpBodyHint(root: Record<string, unknown>): Hint {
    if (typeof root.body !== 'string') return H.none;
    const headers = root.headers;
    let ct = '';
    if (typeof headers === 'object' && headers !== null) {
      const v = lowerKey(headers as Record<string, unknown>, 'content-type');
      if (typeof v === 'string') ct = v.toLowerCase();
    }
    const form = ct.includes('application/x-www-form-urlencoded');
    if (root.isBase64Encoded === true) return form ? H.base64form : H.base64;
    return form ? H.form : H.none;
  }

  private hintFor(f: Frame, k: string, bodyHint: Hint): Hint {
    if (f.depth === 0) {
      if (k === 'body') return bodyHint;
      if (k === 'rawQueryString') return H.form;
      return H.none;
    }
    const kl = k.toLowerCase();
    if (kl === 'cookie' && (f.key === 'headers' || f.key === 'multiValueHeaders')) return H.cookie;
    // Kinesis `Records[].kinesis.data`, Firehose `records[].data`: base64 by definition of the trigger.
    if (k === 'data' && (f.key === 'kinesis' || f.key === 'records')) return H.base64;
    if (k === 'key' && f.key === 'object' && f.parent === 's3') return H.s3key;
    if (kl === 'authorization' && (f.key === 'headers' || f.key === 'multiValueHeaders')) return H.authorization;
    // CloudWatch Logs subscriptions: `awslogs.data` is base64 of gzip of JSON.
    if (k === 'data' && f.key === 'awslogs') return H.gzip64;
    return H.none;
  }

  private onString(f: Frame): void {
    const s = f.v as string;
    if (!this.record(s, f.path)) return;
    if (s.length < 2 || f.rounds >= this.limits.maxDecodeRounds) return;
    const r = f.rounds + 1;
    const d = f.depth + 1;
    if (f.hint !== H.none && !this.canDecode(s)) return;
    switch (f.hint) {
      case H.base64:
      case H.base64form: {
        const text = base64ToText(s);
        if (text !== undefined) {
          const next = f.hint === H.base64form ? H.form : H.none;
          this.push(text, `${f.path}<base64>`, d, f.key, f.parent, f.grand, next, r);
        }
        return;
      }
      case H.form:
        this.decodePairs(s, '&', `${f.path}<form>`, d, r, true);
        return;
      case H.cookie:
        this.decodePairs(s, ';', `${f.path}<cookie>`, d, r, false);
        return;
      case H.authorization:
        // `Basic base64(user:password)`: the user name and password are inputs; JWTs go the generic way.
        if (s.length > 6 && s.slice(0, 6).toLowerCase() === 'basic ') {
          const text = base64ToText(s.slice(6).trim());
          if (text !== undefined) this.decodePairs(text, '\u0000', `${f.path}<basic>`, d, r, false, ':');
          return;
        }
        break;
      case H.gzip64: {
        const text = gunzipBase64(s, this.limits.maxStringBytes);
        if (text !== undefined) this.push(text, `${f.path}<gzip>`, d, '', '', '', H.none, r);
        return;
      }
      case H.s3key:
        this.push(percentDecode(s, true), `${f.path}<url>`, d, f.key, f.parent, f.grand, H.none, r);
        return;
      default:
        break;
    }
    this.decodeGeneric(s, f, d, r);
  }

  /** Strings longer than maxStringBytes, or beyond the total budget, are kept as they are (counted). */
  private canDecode(s: string): boolean {
    if (s.length <= this.limits.maxStringBytes && this.totalBytes + s.length <= this.limits.maxTotalBytes) return true;
    this.capsHit.bytes++;
    return false;
  }

  /** JSON-in-string, URL-encoding, JWTs, base64 that decodes to JSON. */
  private decodeGeneric(s: string, f: Frame, d: number, r: number): void {
    const json = looksLikeJsonContainer(s);
    const percent = !json && hasPercentEscape(s);
    const jwt = !json ? jwtParts(s) : undefined;
    const base64 = !json && !jwt && s.length >= 16 && isBase64Shape(s);
    if (!(json || percent || jwt || base64) || !this.canDecode(s)) return;
    if (json) {
      const v = tryJson(s);
      if (v !== undefined) {
        this.push(v, `${f.path}<json>`, d, '', '', '', H.none, r);
        return;
      }
    }
    if (percent) {
      const dec = percentDecode(s, false);
      if (dec !== s) this.push(dec, `${f.path}<url>`, d, f.key, f.parent, f.grand, H.none, r);
    }
    if (jwt) {
      const header = base64ToText(jwt[0]);
      const payload = base64ToText(jwt[1]);
      const hv = header !== undefined ? tryJson(header) : undefined;
      const pv = payload !== undefined ? tryJson(payload) : undefined;
      if (pv !== undefined) this.push(pv, `${f.path}<jwt>`, d, '', '', '', H.none, r);
      if (hv !== undefined) this.push(hv, `${f.path}<jwt-header>`, d, '', '', '', H.none, r);
      return;
    }
    if (base64) {
      const text = base64ToText(s);
      if (text !== undefined && looksLikeJsonContainer(text)) {
        const v = tryJson(text);
        if (v !== undefined) {
          this.record(text, `${f.path}<base64>`);
          this.push(v, `${f.path}<base64><json>`, d, '', '', '', H.none, r);
        }
      }
    }
  }

  /** `a=1&b=2` (form, query) or `a=1; b=2` (cookies): names and values become inputs. */
  private decodePairs(s: string, sep: string, path: string, d: number, r: number, form: boolean, assign = '='): void {
    let from = 0;
    let count = 0;
    while (from <= s.length) {
      let to = s.indexOf(sep, from);
      if (to === -1) to = s.length;
      const pair = s.slice(from, to).trim();
      from = to + 1;
      if (pair.length === 0) continue;
      if (count++ >= this.limits.maxStrings) {
        this.capsHit.strings++;
        break;
      }
      const eq = pair.indexOf(assign);
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
      const name = form ? percentDecode(rawName, true) : rawName;
      const value = form ? percentDecode(rawValue, true) : rawValue;
      const p = childPath(path, name);
      this.record(name, `${p}<key>`);
      // Values keep decoding generically (JSON, another URL round, JWT in a cookie).
      if (value.length > 0) this.push(value, p, d, name, '', '', H.none, r);
      if (!form && hasPercentEscape(value))
        this.push(percentDecode(value, false), `${p}<url>`, d, name, '', '', H.none, r);
    }
  }
}

export function extractInputs(event: unknown, limits?: Partial<ExtractLimits>): ExtractResult {
  const l: ExtractLimits = { ...DEFAULT_EXTRACT_LIMITS, ...(limits ?? {}) };
  const x = new Extractor(l);
  try {
    x.run(event);
  } catch {
    // Never let an odd event break the invocation: return what was collected so far.
  }
  return { inputs: x.inputs, capsHit: x.capsHit };
}

const memo = new WeakMap<object, ExtractResult>();

/**
 * `extractInputs` with default limits, computed once per event object. Hooks can call this lazily at the
 * first sink of an invocation instead of paying for extraction on invocations that never reach a sink.
 */
export function inputsForEvent(event: unknown): ExtractResult {
  if (typeof event !== 'object' || event === null) return extractInputs(event);
  const hit = memo.get(event);
  if (hit) return hit;
  const r = extractInputs(event);
  memo.set(event, r);
  return r;
}
