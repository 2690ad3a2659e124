/**
 * Non-shell process starts (`spawn`, `execFile`, `fork`): the exec allow-list, command names and option words
 * taken from input, shell/interpreter scripts passed as arguments, /tmp droppers and reverse-shell shapes.
 */
import type { InputString } from '../input/extract';
import { detectCode } from './code';
import { inputRef, MIN_INPUT_LENGTH } from './correlate';
import { baseName, isUnder, normalizePath } from './paths';
import { redact } from './redact';
import { detectShellCommand } from './shell';
import { Ch, lexShell } from './shell-lexer';
import type { Roots, Verdict } from './types';

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'ksh', 'busybox']);
const NETCATS = new Set(['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd']);
const INTERPRETERS = new Set([...SHELLS, 'node', 'nodejs', 'python', 'python3', 'perl', 'ruby', 'php']);
/** Scripts inside a shell command are examined one level deep, never recursively. */
const MAX_SCRIPT_COMMANDS = 64;

/** True when `file` is allowed by SENTINEL_EXEC_ALLOW entries (`*`, basenames, absolute paths). */
export function matchesExecAllow(file: string, allow: readonly string[], cwd: string): boolean {
  if (allow.length === 0) return false;
  const base = baseName(file);
  const full = file.includes('/') ? normalizePath(file, cwd) : undefined;
  for (const a of allow) {
    if (a === '*') return true;
    if (a.includes('/')) {
      if (full !== undefined && normalizePath(a, cwd) === full) return true;
    } else if (a === base) return true;
  }
  return false;
}

/** The file is named by an absolute-path entry of the exec allow-list. */
function declaredPath(file: string, allow: readonly string[], cwd: string): boolean {
  if (allow.length === 0) return false;
  const full = normalizePath(file, cwd);
  return allow.some((a) => a.startsWith('/') && normalizePath(a, cwd) === full);
}

/** Splits a shell script into simple commands (argv arrays, quotes removed). Approximate, linear, bounded. */
export function simpleCommands(script: string): string[][] {
  const lex = lexShell(script);
  const out: string[][] = [];
  let cur: string[] = [];
  let word = '';
  let inWord = false;
  const flushWord = () => {
    if (inWord) cur.push(word);
    word = '';
    inWord = false;
  };
  const flushCmd = () => {
    flushWord();
    if (cur.length > 0 && out.length < MAX_SCRIPT_COMMANDS) out.push(cur);
    cur = [];
  };
  for (let i = 0; i < script.length; i++) {
    const r = lex.roles[i];
    if (r === Ch.Meta && lex.wordAt[i] === -1) {
      // `>&` and `2>&1` are redirections, not command separators.
      const c = script.charCodeAt(i);
      if (c === 60 || c === 62 || (c === 38 && i > 0 && script.charCodeAt(i - 1) === 62)) {
        flushWord();
        cur.push(script[i]);
        continue;
      }
      flushCmd();
    } else if (r === Ch.Space || r === Ch.Comment) flushWord();
    else if (r === Ch.Quote) inWord = true;
    else {
      word += script[i];
      inWord = true;
    }
  }
  flushCmd();
  return out;
}

/** Reverse-shell shapes in one argv. */
function reverseShellShape(file: string, args: readonly string[], depth: number): string | undefined {
  const base = baseName(file);
  for (const a of args) if (a.includes('/dev/tcp/') || a.includes('/dev/udp/')) return 'dev_tcp';
  if (NETCATS.has(base)) {
    for (const a of args) {
      if (a === '-e' || a === '-c' || a === '--exec' || a === '--sh-exec' || a === '--lua-exec') return 'netcat_exec';
      if (a.startsWith('-') && !a.startsWith('--') && (a.includes('e') || a.includes('c')) && a.length <= 6)
        return 'netcat_exec';
    }
  }
  if (base === 'socat') {
    for (const a of args) {
      const l = a.toLowerCase();
      if (l.includes('exec:') || l.includes('system:')) return 'socat_exec';
    }
  }
  if (SHELLS.has(base)) {
    const c = args.indexOf('-c');
    if (args.includes('-i') && c === -1) return 'interactive_shell';
    if (c !== -1 && depth === 0 && typeof args[c + 1] === 'string') {
      for (const cmd of simpleCommands(args[c + 1])) {
        const shape = reverseShellShape(cmd[0], cmd.slice(1), depth + 1);
        if (shape) return shape;
      }
    }
  }
  return undefined;
}

function scriptArgOf(file: string, args: readonly string[]): { script: string; lang: 'shell' | 'js' } | undefined {
  const base = baseName(file);
  if (SHELLS.has(base)) {
    const c = args.indexOf('-c');
    if (c !== -1 && typeof args[c + 1] === 'string') return { script: args[c + 1], lang: 'shell' };
  }
  if (base === 'node' || base === 'nodejs') {
    for (let i = 0; i < args.length - 1; i++) {
      if (args[i] === '-e' || args[i] === '--eval' || args[i] === '-p' || args[i] === '--print')
        return { script: args[i + 1], lang: 'js' };
    }
  }
  return undefined;
}

/** The file an interpreter would run: its first non-option argument. */
function interpretedFile(file: string, args: readonly string[]): string | undefined {
  if (!INTERPRETERS.has(baseName(file))) return undefined;
  for (const a of args) {
    if (a === '-c' || a === '-e' || a === '--eval' || a === '-p') return undefined;
    if (!a.startsWith('-')) return a;
  }
  return undefined;
}

export function detectExec(
  file: string,
  args: readonly string[],
  inputs: InputString[],
  execAllow: readonly string[],
  droppedFiles: ReadonlySet<string>,
  roots: Roots,
): Verdict[] {
  const out: Verdict[] = [];
  if (typeof file !== 'string' || file.length === 0) return out;
  const argv = Array.isArray(args) ? args.filter((a): a is string => typeof a === 'string') : [];
  const base = baseName(file);
  const shownFile = () => redact(file, 120);

  if (!matchesExecAllow(file, execAllow, roots.taskRoot)) {
    out.push({
      category: 'exec_policy',
      kind: 'not_allowed',
      severity: 'medium',
      confidence: 'high',
      title: `Child process ${redact(base, 80)} is not in SENTINEL_EXEC_ALLOW`,
      details: { file: shownFile() },
    });
  }

  // Input-correlated: the program, an option word, or the script of `sh -c` / `node -e`.
  let injection: Verdict | undefined;
  for (const inp of inputs) {
    const v = inp.value;
    if (v.length < MIN_INPUT_LENGTH) continue;
    if (v === file || (file.includes('/') && v === base && base.length >= MIN_INPUT_LENGTH)) {
      injection = {
        category: 'command_injection',
        kind: 'command_name',
        severity: 'high',
        confidence: 'high',
        title: `Event input ${redact(inp.path, 80)} chooses the program ${redact(base, 80)}`,
        input: inputRef(inp),
        details: { file: shownFile() },
      };
      break;
    }
  }
  if (!injection) {
    const script = scriptArgOf(file, argv);
    if (script)
      injection =
        script.lang === 'shell'
          ? detectShellCommand(script.script, inputs)
          : detectCode(script.script, inputs, `${base} -e`);
  }
  if (!injection) {
    outer: for (const a of argv) {
      if (a.length < MIN_INPUT_LENGTH || a.charCodeAt(0) !== 45) continue;
      for (const inp of inputs) {
        if (inp.value === a) {
          injection = {
            category: 'command_injection',
            kind: 'argument_injection',
            severity: 'medium',
            confidence: 'medium',
            title: `Event input ${redact(inp.path, 80)} is an option of ${redact(base, 80)}`,
            input: inputRef(inp),
            details: { file: shownFile() },
          };
          break outer;
        }
      }
    }
  }
  if (injection) out.push(injection);

  // Droppers: the program (or the script an interpreter runs) was written to /tmp in this environment. A path the
  // operator declared by its absolute path in SENTINEL_EXEC_ALLOW (a browser extracted to /tmp) is not a dropper;
  // basenames and `*` never excuse a file in /tmp (an attacker chooses the name).
  const target = interpretedFile(file, argv) ?? file;
  if (target.includes('/') && !declaredPath(target, execAllow, roots.taskRoot)) {
    const full = normalizePath(target, roots.taskRoot);
    if (droppedFiles.has(full) || droppedFiles.has(target)) {
      out.push({
        category: 'dropper',
        kind: 'dropped_file_exec',
        severity: 'critical',
        confidence: 'high',
        title: `Executing ${redact(baseName(full), 80)}, a file written to /tmp in this environment`,
        details: { file: redact(full, 200) },
      });
    } else if (
      // The function's own code and layers are never "from /tmp", even when they live under it (a checkout in /tmp).
      !ownCode(full, roots) &&
      roots.tmpDirs.some((t) => isUnder(full, normalizePath(t, '/')))
    ) {
      out.push({
        category: 'dropper',
        kind: 'exec_from_tmp',
        severity: 'high',
        confidence: 'medium',
        title: `Executing ${redact(baseName(full), 80)} from a temporary directory`,
        details: { file: redact(full, 200) },
      });
    }
  }

  const shape = reverseShellShape(file, argv, 0);
  if (shape) {
    out.push({
      category: 'command_injection',
      kind: 'reverse_shell',
      severity: 'critical',
      confidence: shape === 'interactive_shell' ? 'medium' : 'high',
      title: `Reverse-shell shape: ${redact(base, 40)} (${shape})`,
      details: { shape, file: shownFile() },
    });
  }
  return out;
}

/** Whether a file belongs to the function's code or its layers (empty or `/` roots never match). */
function ownCode(full: string, roots: Roots): boolean {
  return [roots.taskRoot, roots.layerRoot].some((r) => {
    const root = r ? normalizePath(r, '/') : '/';
    return root !== '/' && isUnder(full, root);
  });
}
