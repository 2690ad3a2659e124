/**
 * Code injection: an event string reaches `Function`, `vm.*`, a string timer or `node -e` and contributes more
 * than one literal (operators, calls, statements, a closing quote). node-serialize's `_$$ND_FUNC$$_` marker is
 * recognised both in the code and as the prefix the library strips before it evaluates the rest.
 */
import type { InputString } from '../input/extract';
import { anyInputOccurs, forEachOccurrence, inputRef, MIN_INPUT_LENGTH } from './correlate';
import { type JsLex, lexJs, Tok } from './js-lexer';
import { redact } from './redact';
import type { Verdict } from './types';

export const ND_FUNC_MARKER = '_$$ND_FUNC$$_';

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** True when code[s, e) is exactly one literal/identifier, or lies strictly inside one literal's delimiters. */
export function isInertOccurrence(lex: JsLex, code: string, s: number, e: number): boolean {
  while (s < e && isSpace(code.charCodeAt(s))) s++;
  while (e > s && isSpace(code.charCodeAt(e - 1))) e--;
  if (s === e) return true;
  const t = lex.tokenAt[s];
  if (t === -1 || lex.tokenAt[e - 1] !== t) return false; // spans several tokens
  const k = lex.kind[t];
  const ts = lex.start[t];
  const te = lex.end[t];
  switch (k) {
    case Tok.Ident:
    case Tok.Num:
      return true;
    case Tok.Punct:
      return false; // an operator chosen by the input
    case Tok.Comment: {
      // Inside the comment text, never touching the `//` or `/*` `*/` the application wrote.
      if (s < ts + 2) return false;
      if (code.charCodeAt(ts + 1) === 47) return true;
      return code.startsWith('*/', te - 2) ? e <= te - 2 : true;
    }
    default:
      // Strings, templates, regexes: inert when the whole token, or strictly inside its delimiters.
      return (s === ts && e === te) || (s > ts && e < te);
  }
}

function verdict(
  kind: string,
  confidence: Verdict['confidence'],
  title: string,
  inp: InputString | undefined,
  sink: string,
  code: string,
): Verdict {
  const v: Verdict = {
    category: 'code_injection',
    kind,
    severity: 'critical',
    confidence,
    title,
    details: { sink: redact(sink, 64), code: redact(code, 200) },
  };
  if (inp) v.input = inputRef(inp);
  return v;
}

/** Below this length an input that the application also quoted is judged a coincidence when it matches syntax. */
const SHORT_INPUT = 8;

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' };

/** The value of a string/template literal body with JS escapes resolved (linear, lenient). */
export function unescapeJs(body: string): string {
  if (!body.includes('\\')) return body;
  const out: string[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\' || i + 1 >= body.length) {
      out.push(c);
      continue;
    }
    const d = body[++i];
    if (d in SIMPLE_ESCAPES) out.push(SIMPLE_ESCAPES[d]);
    else if (d === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      out.push(String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 3), 16)));
      i += 2;
    } else if (d === 'u' && body[i + 1] === '{') {
      const close = body.indexOf('}', i + 2);
      const cp = close === -1 ? Number.NaN : Number.parseInt(body.slice(i + 2, close), 16);
      if (close !== -1 && close - i < 10 && cp >= 0 && cp <= 0x10ffff) {
        out.push(String.fromCodePoint(cp));
        i = close;
      } else out.push(d);
    } else if (d === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
      out.push(String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 5), 16)));
      i += 4;
    } else if (d === '\n') {
      // line continuation
    } else out.push(d);
  }
  return out.join('');
}

/** Spans of string/template tokens whose unescaped body contains `value`. */
function quotedCopies(lex: JsLex, code: string, value: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (let t = 0; t < lex.kind.length; t++) {
    const k = lex.kind[t];
    if (k !== Tok.Str && k !== Tok.Template) continue;
    const ts = lex.start[t];
    const te = lex.end[t];
    if (te - ts < 2) continue;
    // Template chunks end in `${` or a backtick and may start with `}`: strip one delimiter each side.
    const a = ts + 1;
    let b = te - 1;
    if (k === Tok.Template && code.startsWith('${', te - 2)) b = te - 2;
    if (b <= a) continue;
    if (unescapeJs(code.slice(a, b)).includes(value)) spans.push([ts, te]);
  }
  return spans;
}

export function detectCode(code: string, inputs: InputString[], sink: string): Verdict | undefined {
  if (typeof code !== 'string' || code.length === 0) return undefined;
  const sinkName = typeof sink === 'string' ? sink : 'code';
  // node-serialize: the library evaluates what follows the marker.
  for (const inp of inputs) {
    const m = inp.value.indexOf(ND_FUNC_MARKER);
    if (m === -1) continue;
    const body = inp.value.slice(m + ND_FUNC_MARKER.length).trim();
    if (body.length >= MIN_INPUT_LENGTH && code.includes(body)) {
      return verdict(
        'deserialization',
        'high',
        `Serialized function from ${redact(inp.path, 80)} evaluated by ${redact(sinkName, 40)}`,
        inp,
        sinkName,
        code,
      );
    }
  }
  if (code.includes(ND_FUNC_MARKER)) {
    return verdict(
      'deserialization',
      'medium',
      `node-serialize function marker evaluated by ${redact(sinkName, 40)}`,
      undefined,
      sinkName,
      code,
    );
  }
  if (!anyInputOccurs(code, inputs)) return undefined;
  const lex = lexJs(code);
  for (const inp of inputs) {
    const v = inp.value;
    let hit = false;
    let copies: Array<[number, number]> | undefined; // literal tokens holding the input as data
    forEachOccurrence(code, v, (at) => {
      if (isInertOccurrence(lex, code, at, at + v.length)) return false;
      // When the application put this input in a string literal (escaped), a raw occurrence touching that
      // literal, or a short one anywhere, is the input's text coinciding with the application's own syntax.
      copies ??= quotedCopies(lex, code, v);
      const excused = copies.some(([ts, te]) => v.length < SHORT_INPUT || (at < te && at + v.length > ts));
      hit = !excused;
      return hit;
    });
    if (hit) {
      return verdict(
        'js_syntax',
        'high',
        `Event input ${redact(inp.path, 80)} changes the syntax of code run by ${redact(sinkName, 40)}`,
        inp,
        sinkName,
        code,
      );
    }
  }
  return undefined;
}
