/**
 * A one-pass POSIX-sh lexer that labels every character of a command line with its syntactic role.
 * It is deliberately approximate (no here-docs, no arithmetic) but linear and total: it never throws and
 * never looks back, so adversarial input costs O(n).
 */

/** Character roles. Literal roles are data; every other role is shell syntax. */
export const Ch = {
  LitUnquoted: 0,
  LitSingle: 1,
  LitDouble: 2,
  Space: 3, // unquoted blank: a word boundary
  Quote: 4, // a quote delimiter or an escaping backslash
  Meta: 5, // ; & | < > ( ) newline, $ expansions, backticks, comment start
  Glob: 6, // unquoted * ? [ ] { } ~
  Comment: 7, // text inside a comment (inert)
} as const;
export type Ch = (typeof Ch)[keyof typeof Ch];

export interface ShellLex {
  /** Role of each character. */
  roles: Uint8Array;
  /** Index of the word each character belongs to, or -1 for separators. */
  wordAt: Int32Array;
  wordStart: number[];
  wordEnd: number[];
  /** True for words in command-name position. */
  wordIsCommand: boolean[];
}

const WRAPPERS = new Set([
  'sudo',
  'env',
  'nohup',
  'exec',
  'xargs',
  'timeout',
  'nice',
  'time',
  'command',
  'builtin',
  'busybox',
]);
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', '}', 'fi', 'done']);

function isAssignment(s: string, start: number, end: number): boolean {
  const c0 = s.charCodeAt(start);
  if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122) || c0 === 95)) return false;
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 61) return true;
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95)) return false;
  }
  return false;
}

export function lexShell(s: string): ShellLex {
  const n = s.length;
  const roles = new Uint8Array(n);
  const wordAt = new Int32Array(n).fill(-1);
  const wordStart: number[] = [];
  const wordEnd: number[] = [];
  const wordIsCommand: boolean[] = [];
  let state = 0; // 0 normal, 1 single quotes, 2 double quotes, 3 $'...'
  let cmdPos = true; // the next word is in command position
  let redirectNext = false; // the next word is a redirection target
  let word = -1; // current word index

  const openWord = (i: number) => {
    if (word !== -1) return;
    word = wordStart.length;
    wordStart.push(i);
    wordEnd.push(i);
    wordIsCommand.push(cmdPos && !redirectNext);
  };
  const closeWord = (i: number) => {
    if (word === -1) return;
    wordEnd[word] = i;
    const ws = wordStart[word];
    if (wordIsCommand[word]) {
      const text = s.slice(ws, i);
      if (isAssignment(s, ws, i)) {
        wordIsCommand[word] = false; // FOO=bar cmd: still in command position
      } else if (KEYWORDS.has(text)) {
        wordIsCommand[word] = false;
      } else {
        cmdPos = WRAPPERS.has(text);
      }
    }
    redirectNext = false;
    word = -1;
  };

  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (state === 1) {
      if (c === 39) {
        roles[i] = Ch.Quote;
        state = 0;
      } else roles[i] = Ch.LitSingle;
      wordAt[i] = word;
      continue;
    }
    if (state === 3) {
      if (c === 92 /* \ */ && i + 1 < n) {
        roles[i] = Ch.Quote;
        wordAt[i] = word;
        i++;
        roles[i] = Ch.LitSingle;
      } else if (c === 39) {
        roles[i] = Ch.Quote;
        state = 0;
      } else roles[i] = Ch.LitSingle;
      wordAt[i] = word;
      continue;
    }
    if (state === 2) {
      if (c === 34) {
        roles[i] = Ch.Quote;
        state = 0;
      } else if (c === 92 && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d === 36 || d === 96 || d === 34 || d === 92 || d === 10) {
          roles[i] = Ch.Quote;
          wordAt[i] = word;
          i++;
          roles[i] = Ch.LitDouble;
        } else roles[i] = Ch.LitDouble;
      } else if (c === 36 /* $ */ || c === 96 /* ` */) {
        roles[i] = Ch.Meta; // expansion / command substitution inside double quotes
      } else roles[i] = Ch.LitDouble;
      wordAt[i] = word;
      continue;
    }
    // Normal state.
    switch (c) {
      case 32:
      case 9:
        closeWord(i);
        roles[i] = Ch.Space;
        continue;
      case 10:
      case 59: // ;
      case 38: // &
      case 124: // |
      case 96: // ` (command substitution: a new command starts after it)
      case 40: // (
      case 41: // )
        closeWord(i);
        roles[i] = Ch.Meta;
        cmdPos = c !== 41;
        redirectNext = false;
        continue;
      case 60: // <
      case 62: // >
        // `2>` : the digits before belong to the operator, not a word.
        if (word !== -1 && /^\d+$/.test(s.slice(wordStart[word], i))) {
          wordIsCommand[word] = false;
        }
        closeWord(i);
        roles[i] = Ch.Meta;
        redirectNext = true;
        continue;
      case 35: // #
        if (word === -1) {
          roles[i] = Ch.Meta;
          let j = i + 1;
          while (j < n && s.charCodeAt(j) !== 10) roles[j++] = Ch.Comment;
          i = j - 1;
          continue;
        }
        break;
      case 36: // $( starts a command substitution: a new command, not part of a word
        if (i + 1 < n && s.charCodeAt(i + 1) === 40) {
          closeWord(i);
          roles[i] = Ch.Meta;
          roles[i + 1] = Ch.Meta;
          i++;
          cmdPos = true;
          continue;
        }
        break;
      default:
        break;
    }
    openWord(i);
    wordAt[i] = word;
    if (c === 39) {
      roles[i] = Ch.Quote;
      state = 1;
    } else if (c === 34) {
      roles[i] = Ch.Quote;
      state = 2;
    } else if (c === 92 /* \ */) {
      roles[i] = Ch.Quote;
      if (i + 1 < n) {
        i++;
        roles[i] = s.charCodeAt(i) === 10 ? Ch.Space : Ch.LitUnquoted;
        wordAt[i] = word;
      }
    } else if (c === 36 /* $ */) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (d === 39) {
        roles[i] = Ch.Quote;
        i++;
        roles[i] = Ch.Quote;
        wordAt[i] = word;
        state = 3;
      } else {
        roles[i] = Ch.Meta; // $VAR, ${VAR}, $((...))
      }
    } else if (c === 42 || c === 63 || c === 91 || c === 93 || c === 123 || c === 125 || c === 126) {
      roles[i] = Ch.Glob;
    } else {
      roles[i] = Ch.LitUnquoted;
    }
  }
  closeWord(n);
  return { roles, wordAt, wordStart, wordEnd, wordIsCommand };
}
