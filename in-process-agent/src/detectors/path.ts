/**
 * File-system sinks. Input-correlated: `..` segments from an event string that escape the directory the
 * application put in front of them, an absolute path from input outside /tmp, a whole path from input that
 * points at code. Behavioural (no input needed): /proc/<pid>/environ|mem|maps, /etc/shadow, the runtime's own
 * directory, credentials files, writes outside /tmp, chmod in /tmp.
 */
import { severityRank } from '../../../protocol/finding';
import type { InputString } from '../input/extract';
import { forEachOccurrence, inputRef, MIN_INPUT_LENGTH } from './correlate';
import { baseName, isUnder, normalizePath } from './paths';
import { redact } from './redact';
import type { Roots, Verdict } from './types';

export type PathOp = 'read' | 'write' | 'stat' | 'list' | 'open' | 'chmod' | 'rename' | 'link';

const WRITE_OPS: ReadonlySet<PathOp> = new Set(['write', 'chmod', 'rename', 'link']);
const READ_OPS: ReadonlySet<PathOp> = new Set(['read', 'open']);
/** Absolute paths any process may write without it meaning anything. */
const HARMLESS_WRITES = ['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty'];
const HARMLESS_WRITE_ROOTS = ['/dev/fd', '/proc/self/fd', '/dev/shm'];

/** `/proc/<self|thread-self|pid>[/task/<tid>]/<leaf>` → leaf, else undefined. */
export function procLeaf(full: string): string | undefined {
  if (!full.startsWith('/proc/')) return undefined;
  const parts = full.split('/'); // ['', 'proc', pid, ...]
  if (parts.length < 4) return undefined;
  const isPid = (s: string) =>
    s === 'self' || s === 'thread-self' || (s.length > 0 && s.length < 11 && /^\d+$/.test(s));
  if (!isPid(parts[2])) return undefined;
  if (parts.length === 4) return parts[3];
  if (parts.length === 6 && parts[3] === 'task' && /^\d{1,10}$/.test(parts[4])) return parts[5];
  return undefined;
}

/** Paths whose contents are credentials: reaching them is critical. */
export function isCredentialPath(full: string): boolean {
  const leaf = procLeaf(full);
  if (leaf === 'environ' || leaf === 'mem') return true;
  if (full === '/etc/shadow' || full === '/etc/gshadow') return true;
  return full.includes('/.aws/credentials') || full.includes('/.aws/config') || baseName(full) === '.env';
}

type BaseVerdict = Pick<Verdict, 'category' | 'kind' | 'severity' | 'confidence' | 'title'>;
/** A behavioural verdict before its title: `title(shown)` runs only for the verdict that is reported. */
type PlainVerdict = Omit<BaseVerdict, 'title'> & { title: (shown: string) => string };

// Verdict templates (no allocation per call: the hot path, a benign read, matches none of them).
const PROC_ENVIRON: PlainVerdict = {
  category: 'sensitive_file',
  kind: 'proc_environ',
  severity: 'critical',
  confidence: 'high',
  title: (s) => `Read of process environment ${s}`,
};
const PROC_MEM: PlainVerdict = {
  category: 'sensitive_file',
  kind: 'proc_mem',
  severity: 'critical',
  confidence: 'high',
  title: (s) => `Access to process memory ${s}`,
};
const SHADOW: PlainVerdict = {
  category: 'sensitive_file',
  kind: 'shadow',
  severity: 'critical',
  confidence: 'high',
  title: (s) => `Read of ${s}`,
};
const CREDENTIALS_FILE: PlainVerdict = {
  category: 'sensitive_file',
  kind: 'credentials_file',
  severity: 'high',
  confidence: 'high',
  title: (s) => `Read of AWS credentials file ${s}`,
};
const PROC_MAPS: PlainVerdict = {
  category: 'sensitive_file',
  kind: 'proc_maps',
  severity: 'medium',
  confidence: 'medium',
  title: (s) => `Read of process memory map ${s}`,
};
const CHMOD_TMP: PlainVerdict = {
  category: 'dropper',
  kind: 'chmod_tmp',
  severity: 'high',
  confidence: 'medium',
  title: (s) => `chmod of a file in the temporary directory: ${s}`,
};
const RUNTIME_SOURCE: PlainVerdict = {
  category: 'sensitive_file',
  kind: 'runtime_source',
  severity: 'medium',
  confidence: 'medium',
  title: (s) => `Read of the Lambda runtime's files: ${s}`,
};

function underAny(full: string, roots: readonly string[]): boolean {
  for (let i = 0; i < roots.length; i++) if (isUnder(full, roots[i])) return true;
  return false;
}

/** Behavioural rules: verdicts that need no input. */
function behavioural(op: PathOp, full: string, roots: Roots, tmpRoots: string[]): PlainVerdict | undefined {
  const leaf = procLeaf(full);
  const reading = READ_OPS.has(op);
  if (leaf === 'environ' && reading) return PROC_ENVIRON;
  if (leaf === 'mem' && (reading || op === 'write')) return PROC_MEM;
  if ((full === '/etc/shadow' || full === '/etc/gshadow') && reading) return SHADOW;
  if (reading && full.includes('/.aws/') && (full.includes('/.aws/credentials') || full.includes('/.aws/config')))
    return CREDENTIALS_FILE;
  if ((leaf === 'maps' || leaf === 'smaps') && reading) return PROC_MAPS;
  const inTmp = underAny(full, tmpRoots);
  if (WRITE_OPS.has(op) && !inTmp) {
    if (HARMLESS_WRITES.includes(full) || HARMLESS_WRITE_ROOTS.some((r) => isUnder(full, r))) return undefined;
    const code = isUnder(full, roots.taskRoot) || isUnder(full, roots.layerRoot) || isUnder(full, roots.runtimeDir);
    return {
      category: 'sensitive_file',
      kind: 'write_outside_tmp',
      severity: code ? 'high' : 'medium',
      confidence: 'high',
      title: (s) => `${op} outside the temporary directory: ${s}`,
    };
  }
  if (op === 'chmod' && inTmp) return CHMOD_TMP;
  if ((reading || op === 'list') && roots.runtimeDir && isUnder(full, runtimeRoot(roots))) return RUNTIME_SOURCE;
  return undefined;
}

// Derived from `roots` once per Roots object (the agent keeps one for its life): this runs on every fs call.
const derived = new WeakMap<Roots, { tmpRoots: string[]; runtimeRoot: string }>();
function derive(roots: Roots): { tmpRoots: string[]; runtimeRoot: string } {
  let d = derived.get(roots);
  if (!d) {
    d = {
      tmpRoots: roots.tmpDirs.filter((t) => typeof t === 'string' && t.length > 0).map((t) => normalizePath(t, '/')),
      runtimeRoot: roots.runtimeDir ? normalizePath(roots.runtimeDir, '/') : '',
    };
    derived.set(roots, d);
  }
  return d;
}
const runtimeRoot = (roots: Roots) => derive(roots).runtimeRoot;

/** True when path[a, b) contains a `..` that is a whole path segment of `path`. */
function hasDotDotSegment(path: string, a: number, b: number): boolean {
  let i = path.indexOf('..', a);
  while (i !== -1 && i + 2 <= b) {
    const before = i === 0 ? 47 : path.charCodeAt(i - 1);
    const after = i + 2 === path.length ? 47 : path.charCodeAt(i + 2);
    if (before === 47 && after === 47) return true;
    i = path.indexOf('..', i + 1);
  }
  return false;
}

/** The directory the application meant: everything before the input, up to its last `/`. */
function intendedBase(path: string, at: number, cwd: string): string {
  const prefix = path.slice(0, at);
  const slash = prefix.lastIndexOf('/');
  if (slash === -1) return normalizePath('.', cwd);
  return normalizePath(prefix.slice(0, slash + 1) || '/', cwd);
}

function correlated(
  path: string,
  full: string,
  inputs: InputString[],
  roots: Roots,
  tmpRoots: string[],
): Verdict | undefined {
  let facts: { critical: boolean; inTmp: boolean; code: boolean } | undefined; // computed at the first occurrence
  const factsOf = () => {
    facts ??= {
      critical: isCredentialPath(full),
      inTmp: underAny(full, tmpRoots),
      code: isUnder(full, roots.taskRoot) || isUnder(full, roots.layerRoot) || isUnder(full, roots.runtimeDir),
    };
    return facts;
  };
  for (let i = 0; i < inputs.length; i++) {
    const inp = inputs[i];
    const v = inp.value;
    // Most inputs do not occur in the path at all: skip them before setting up the occurrence walk.
    if (v.length < MIN_INPUT_LENGTH || v.length > path.length || !path.includes(v)) continue;
    let found: Verdict | undefined;
    forEachOccurrence(path, v, (at) => {
      const end = at + v.length;
      const { critical, inTmp, code } = factsOf();
      if (hasDotDotSegment(path, at, end)) {
        const base = intendedBase(path, at, roots.taskRoot);
        if (!isUnder(full, base)) {
          found = {
            category: 'path_traversal',
            kind: 'dot_dot',
            severity: critical ? 'critical' : 'high',
            confidence: 'high',
            title: `Event input ${redact(inp.path, 80)} escapes ${redact(base, 60)} to reach ${redact(full, 80)}`,
          };
          return true;
        }
      }
      if (at === 0 && v.charCodeAt(0) === 47 && !inTmp) {
        found = {
          category: 'path_traversal',
          kind: 'absolute_path',
          severity: critical ? 'critical' : 'high',
          confidence: 'high',
          title: `Event input ${redact(inp.path, 80)} is an absolute path to ${redact(full, 80)}`,
        };
        return true;
      }
      if (at === 0 && end === path.length && code) {
        found = {
          category: 'path_traversal',
          kind: 'code_from_input',
          severity: 'high',
          confidence: 'medium',
          title: `Event input ${redact(inp.path, 80)} names the function's own code ${redact(full, 80)}`,
        };
        return true;
      }
      return false;
    });
    if (found) {
      found.input = inputRef(inp);
      return found;
    }
  }
  return undefined;
}

export function detectPath(op: PathOp, path: string, inputs: InputString[], roots: Roots): Verdict | undefined {
  if (typeof path !== 'string' || path.length === 0) return undefined;
  const full = normalizePath(path, roots.taskRoot || '/');
  const { tmpRoots } = derive(roots);
  const byInput = inputs.length > 0 ? correlated(path, full, inputs, roots, tmpRoots) : undefined;
  const plain = behavioural(op, full, roots, tmpRoots);
  if (!byInput && !plain) return undefined;
  // Titles and redactions only for the verdict that is reported (the common benign call builds none).
  const chosen: Verdict =
    byInput && (!plain || severityRank(byInput.severity) >= severityRank(plain.severity))
      ? byInput
      : { ...(plain as PlainVerdict), title: (plain as PlainVerdict).title(redact(full, 120)) };
  return { ...chosen, details: { op, path: redact(full, 200) } };
}
