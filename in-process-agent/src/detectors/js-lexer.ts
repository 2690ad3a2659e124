/**
 * A one-pass JavaScript tokenizer that is good enough to tell whether a substring of code is a single literal.
 * Approximate (regex/division by previous token, no ASI, no JSX) but linear and total: never throws, never
 * backtracks, bounded template nesting.
 */

export const Tok = {
  Str: 1,
  Template: 2,
  Num: 3,
  Ident: 4,
  Punct: 5,
  Comment: 6,
  Regex: 7,
} as const;
export type Tok = (typeof Tok)[keyof typeof Tok];

export interface JsLex {
  /** Token index of each character, -1 for whitespace. */
  tokenAt: Int32Array;
  start: number[];
  end: number[];
  kind: Tok[];
}

const MAX_TEMPLATE_NESTING = 64;
const REGEX_AFTER_WORDS = new Set([
  'return',
  'typeof',
  'case',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'instanceof',
  'yield',
  'await',
  'else',
  'do',
]);

function isIdent(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c > 127;
}
function isSpace(c: number): boolean {
  return (
    c === 32 ||
    c === 9 ||
    c === 10 ||
    c === 13 ||
    c === 11 ||
    c === 12 ||
    c === 0xa0 ||
    c === 0xfeff ||
    c === 0x2028 ||
    c === 0x2029
  );
}
function isOperatorChar(c: number): boolean {
  // = ! < > & | + - * % ^ ? : ~
  return (
    c === 61 ||
    c === 33 ||
    c === 60 ||
    c === 62 ||
    c === 38 ||
    c === 124 ||
    c === 43 ||
    c === 45 ||
    c === 42 ||
    c === 37 ||
    c === 94 ||
    c === 63 ||
    c === 58 ||
    c === 126
  );
}

export function lexJs(src: string): JsLex {
  const n = src.length;
  const tokenAt = new Int32Array(n).fill(-1);
  const start: number[] = [];
  const end: number[] = [];
  const kind: Tok[] = [];
  const templateBraces: number[] = []; // brace depth at each open `${`
  let braces = 0;

  const push = (s: number, e: number, k: Tok) => {
    const idx = start.length;
    start.push(s);
    end.push(e);
    kind.push(k);
    tokenAt.fill(idx, s, e);
  };
  const regexAllowed = (): boolean => {
    const last = kind.length - 1;
    if (last < 0) return true;
    const k = kind[last];
    if (k === Tok.Punct) {
      const c = src.charCodeAt(end[last] - 1);
      return c !== 41 && c !== 93 && c !== 125; // ) ] }
    }
    if (k === Tok.Ident) return REGEX_AFTER_WORDS.has(src.slice(start[last], end[last]));
    return k === Tok.Comment;
  };
  /** Scans template characters from i; returns the index after the closing backtick or after `${`. */
  const scanTemplate = (from: number, tokStart: number): number => {
    let i = from;
    while (i < n) {
      const c = src.charCodeAt(i);
      if (c === 92) {
        i += 2;
        continue;
      }
      if (c === 96) {
        push(tokStart, i + 1, Tok.Template);
        return i + 1;
      }
      if (c === 36 && src.charCodeAt(i + 1) === 123 && templateBraces.length < MAX_TEMPLATE_NESTING) {
        push(tokStart, i + 2, Tok.Template);
        templateBraces.push(braces);
        braces++;
        return i + 2;
      }
      i++;
    }
    push(tokStart, n, Tok.Template);
    return n;
  };

  let i = 0;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const s = i;
    if (c === 39 || c === 34) {
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === c) {
          i++;
          break;
        } else if (d === 10) break;
        else i++;
      }
      push(s, Math.min(i, n), Tok.Str);
      continue;
    }
    if (c === 96) {
      i = scanTemplate(i + 1, s);
      continue;
    }
    if (c === 47 /* / */) {
      const d = src.charCodeAt(i + 1);
      if (d === 47) {
        while (i < n && src.charCodeAt(i) !== 10) i++;
        push(s, i, Tok.Comment);
        continue;
      }
      if (d === 42) {
        const close = src.indexOf('*/', i + 2);
        i = close === -1 ? n : close + 2;
        push(s, i, Tok.Comment);
        continue;
      }
      if (regexAllowed()) {
        i++;
        let inClass = false;
        while (i < n) {
          const e = src.charCodeAt(i);
          if (e === 92) i += 2;
          else if (e === 10) break;
          else if (e === 91 || e === 93) {
            inClass = e === 91;
            i++;
          } else if (e === 47 && !inClass) {
            i++;
            while (i < n && isIdent(src.charCodeAt(i))) i++; // flags
            break;
          } else i++;
        }
        push(s, Math.min(i, n), Tok.Regex);
        continue;
      }
    }
    if ((c >= 48 && c <= 57) || (c === 46 && src.charCodeAt(i + 1) >= 48 && src.charCodeAt(i + 1) <= 57)) {
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (isIdent(d) || d === 46) i++;
        else if ((d === 43 || d === 45) && (src.charCodeAt(i - 1) | 32) === 101 && !/[xob]/i.test(src.slice(s, s + 2)))
          i++;
        else break;
      }
      push(s, i, Tok.Num);
      continue;
    }
    if (isIdent(c)) {
      i++;
      while (i < n && isIdent(src.charCodeAt(i))) i++;
      push(s, i, Tok.Ident);
      continue;
    }
    if (c === 123) {
      braces++;
      push(s, i + 1, Tok.Punct);
      i++;
      continue;
    }
    if (c === 125) {
      braces--;
      if (templateBraces.length > 0 && templateBraces[templateBraces.length - 1] === braces) {
        templateBraces.pop();
        i = scanTemplate(i + 1, s); // `}` resumes the template chunk
        continue;
      }
      push(s, i + 1, Tok.Punct);
      i++;
      continue;
    }
    if (isOperatorChar(c)) {
      i++;
      while (i < n && i - s < 4 && isOperatorChar(src.charCodeAt(i))) i++;
      push(s, i, Tok.Punct);
      continue;
    }
    push(s, i + 1, Tok.Punct); // ( ) [ ] ; , . \ # @ and anything else
    i++;
  }
  return { tokenAt, start, end, kind };
}
