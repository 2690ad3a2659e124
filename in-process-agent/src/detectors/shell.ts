/**
 * Shell command injection: an event string occurs in a command line given to a shell and changes its syntax
 * (contributes operators, expansions, quotes, word boundaries or globs outside quoting), or is a whole command
 * name, or a whole option word. Data that sits inside quotes the application wrote is never flagged.
 */
import type { InputString } from '../input/extract';
import { anyInputOccurs, forEachOccurrence, inputRef, MIN_INPUT_LENGTH } from './correlate';
import { redact } from './redact';
import { Ch, lexShell, type ShellLex } from './shell-lexer';
import type { Verdict } from './types';

/** Below this length an input that the application also quoted is judged a coincidence when it matches syntax. */
const SHORT_INPUT = 8;

type ShellKind =
  | 'shell_metachar'
  | 'shell_quote'
  | 'command_name'
  | 'shell_word_split'
  | 'shell_glob'
  | 'argument_injection';

/** Ordered from most to least severe; the first kind found across inputs wins. */
const RANK: Record<ShellKind, number> = {
  shell_metachar: 6,
  command_name: 5,
  shell_quote: 4,
  argument_injection: 3,
  shell_word_split: 2,
  shell_glob: 1,
};

const VERDICT_SHAPE: Record<ShellKind, Pick<Verdict, 'severity' | 'confidence'> & { what: string }> = {
  shell_metachar: { severity: 'critical', confidence: 'high', what: 'adds shell operators or expansions to' },
  command_name: { severity: 'high', confidence: 'high', what: 'is the command name in' },
  shell_quote: { severity: 'high', confidence: 'medium', what: 'adds quotes or escapes to' },
  argument_injection: { severity: 'medium', confidence: 'medium', what: 'is an option word in' },
  shell_word_split: { severity: 'medium', confidence: 'medium', what: 'adds word boundaries to' },
  shell_glob: { severity: 'medium', confidence: 'low', what: 'adds glob patterns to' },
};

/** Classifies what one occurrence [s, e) contributes to the command's syntax, or undefined when it is data. */
export function classifyShellOccurrence(lex: ShellLex, command: string, s: number, e: number): ShellKind | undefined {
  let meta = false;
  let quote = false;
  let space = false;
  let glob = false;
  const roles = lex.roles;
  for (let i = s; i < e; i++) {
    switch (roles[i]) {
      case Ch.Meta:
        meta = true;
        break;
      case Ch.Quote:
        quote = true;
        break;
      case Ch.Space:
        space = true;
        break;
      case Ch.Glob:
        glob = true;
        break;
      default:
        break;
    }
  }
  if (meta) return 'shell_metachar';
  const w = lex.wordAt[s];
  const wholeWord = w !== -1 && lex.wordStart[w] === s && lex.wordEnd[w] === e;
  if (wholeWord && lex.wordIsCommand[w] && !quote) return 'command_name';
  // The input starts at a command word and runs on into its arguments: it is the command line.
  const startsCommand = w !== -1 && lex.wordStart[w] === s && lex.wordIsCommand[w] && lex.wordEnd[w] < e;
  if (startsCommand && space && !quote) return 'command_name';
  if (quote) return 'shell_quote';
  if (space) return 'shell_word_split';
  // An input that starts a word with '-' chooses an option of the program (e.g. --checkpoint-action=exec=sh).
  if (w !== -1 && lex.wordStart[w] === s && command.charCodeAt(s) === 45 && e - s >= MIN_INPUT_LENGTH) {
    if (lex.wordIsCommand[w] === false) return 'argument_injection';
  }
  if (glob) return 'shell_glob';
  return undefined;
}

/** The command's literal data (quotes removed, syntax replaced by NUL) and the raw index of each data char. */
interface Projection {
  text: string;
  rawIndex: Int32Array;
}

function project(lex: ShellLex, command: string): Projection {
  const rawIndex = new Int32Array(command.length);
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; i < command.length; i++) {
    const r = lex.roles[i];
    if (r === Ch.Quote) continue;
    parts.push(
      r === Ch.LitUnquoted || r === Ch.LitSingle || r === Ch.LitDouble || r === Ch.Comment ? command[i] : '\0',
    );
    rawIndex[n++] = i;
  }
  return { text: parts.join(''), rawIndex };
}

/**
 * True when raw occurrence [s, e) overlaps a word in which the same input appears as quoted data: then the
 * quotes and separators it touches were written by the application around that data (e.g. `'\''` escaping),
 * not contributed by the input.
 */
function overlapsQuotedCopy(lex: ShellLex, proj: Projection, value: string, s: number, e: number): boolean {
  let found = false;
  forEachOccurrence(proj.text, value, (p) => {
    const a = lex.wordAt[proj.rawIndex[p]];
    const b = lex.wordAt[proj.rawIndex[p + value.length - 1]];
    if (a === -1 || b === -1) return false;
    found = s < lex.wordEnd[b] && e > lex.wordStart[a];
    return found;
  });
  return found;
}

/**
 * Judges a command string given to a shell (`exec`, `execSync`, `spawn(..., { shell: true })`, `sh -c`).
 * Returns the most severe input-correlated verdict, or undefined.
 */
export function detectShellCommand(command: string, inputs: InputString[]): Verdict | undefined {
  if (typeof command !== 'string' || command.length < MIN_INPUT_LENGTH) return undefined;
  if (!anyInputOccurs(command, inputs)) return undefined; // no lexing unless some input is present
  const lex = lexShell(command);
  let proj: Projection | undefined; // built only when some occurrence looks like syntax
  let best: ShellKind | undefined;
  let bestInput: InputString | undefined;
  for (const inp of inputs) {
    const v = inp.value;
    forEachOccurrence(command, v, (at) => {
      let kind = classifyShellOccurrence(lex, command, at, at + v.length);
      if (kind && kind !== 'command_name' && kind !== 'argument_injection') {
        proj ??= project(lex, command);
        // When the application quoted this input somewhere, a raw occurrence elsewhere is usually the input's
        // text coinciding with the application's own syntax (` $` in `echo $HOME`). Weaker kinds are excused
        // then; operators only where they touch the quoted copy, or when the input is too short (< 8 chars)
        // for the coincidence to be unlikely.
        const excused =
          kind !== 'shell_metachar' || v.length < SHORT_INPUT
            ? proj.text.includes(v)
            : overlapsQuotedCopy(lex, proj, v, at, at + v.length);
        if (excused) kind = undefined;
      }
      if (kind && (best === undefined || RANK[kind] > RANK[best])) {
        best = kind;
        bestInput = inp;
      }
      return best === 'shell_metachar';
    });
    if (best === 'shell_metachar') break;
  }
  if (!best || !bestInput) return undefined;
  const shape = VERDICT_SHAPE[best];
  return {
    category: 'command_injection',
    kind: best,
    severity: shape.severity,
    confidence: shape.confidence,
    title: `Event input ${redact(bestInput.path, 80)} ${shape.what} a shell command`,
    input: inputRef(bestInput),
    details: { command: redact(command, 200) },
  };
}
