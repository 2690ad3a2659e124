/**
 * File-system sinks. Input-correlated: `..` segments from an event string that escape the directory the
 * application put in front of them, an absolute path from input outside /tmp, a whole path from input that
 * points at code. Behavioural (no input needed): /proc/<pid>/environ|mem|maps, /etc/shadow, the runtime's own
 * directory, credentials files, writes outside /tmp, chmod in /tmp.
 */
import { severityRank } from '../../../protocol/finding';
import type { InputString } from '../input/extract';
import { forEachOccurrence, inputRef } from './correlate';
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

/** Behavioural rules: verdicts that need no input. */
function behavioural(op: PathOp, full: string, roots: Roots, tmpRoots: string[]): BaseVerdict | undefined {
  const shown = redact(full, 120);
  const leaf = procLeaf(full);
  const reading = READ_OPS.has(op);
  if (leaf === 'environ' && reading)
    return {
      category: 'sensitive_file',
      kind: 'proc_environ',
      severity: 'critical',
      confidence: 'high',
      title: `Read of process environment ${shown}`,
    };
  if (leaf === 'mem' && (reading || op === 'write'))
    return {
      category: 'sensitive_file',
      kind: 'proc_mem',
      severity: 'critical',
      confidence: 'high',
      title: `Access to process memory ${shown}`,
    };
  if ((full === '/etc/shadow' || full === '/etc/gshadow') && reading)
    return {
      category: 'sensitive_file',
      kind: 'shadow',
      severity: 'critical',
      confidence: 'high',
      title: `Read of ${shown}`,
    };
  if ((full.includes('/.aws/credentials') || full.includes('/.aws/config')) && reading)
    return {
      category: 'sensitive_file',
      kind: 'credentials_file',
      severity: 'high',
      confidence: 'high',
      title: `Read of AWS credentials file ${shown}`,
    };
  if ((leaf === 'maps' || leaf === 'smaps') && reading)
    return {
      category: 'sensitive_file',
      kind: 'proc_maps',
      severity: 'medium',
      confidence: 'medium',
      title: `Read of process memory map ${shown}`,
    };
  const inTmp = tmpRoots.some((t) => isUnder(full, t));
  if (WRITE_OPS.has(op) && !inTmp) {
    if (HARMLESS_WRITES.includes(full) || HARMLESS_WRITE_ROOTS.some((r) => isUnder(full, r))) return undefined;
    const code = isUnder(full, roots.taskRoot) || isUnder(full, roots.layerRoot) || isUnder(full, roots.runtimeDir);
    return {
      category: 'sensitive_file',
      kind: 'write_outside_tmp',
      severity: code ? 'high' : 'medium',
      confidence: 'high',
      title: `${op} outside the temporary directory: ${shown}`,
    };
  }
  if (op === 'chmod' && inTmp)
    return {
      category: 'dropper',
      kind: 'chmod_tmp',
      severity: 'high',
      confidence: 'medium',
      title: `chmod of a file in the temporary directory: ${shown}`,
    };
  if ((reading || op === 'list') && roots.runtimeDir && isUnder(full, normalizePath(roots.runtimeDir, '/')))
    return {
      category: 'sensitive_file',
      kind: 'runtime_source',
      severity: 'medium',
      confidence: 'medium',
      title: `Read of the Lambda runtime's files: ${shown}`,
    };
  return undefined;
}

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
      inTmp: tmpRoots.some((t) => isUnder(full, t)),
      code: isUnder(full, roots.taskRoot) || isUnder(full, roots.layerRoot) || isUnder(full, roots.runtimeDir),
    };
    return facts;
  };
  for (const inp of inputs) {
    const v = inp.value;
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
  const tmpRoots = roots.tmpDirs.filter((t) => typeof t === 'string' && t.length > 0).map((t) => normalizePath(t, '/'));
  const byInput = correlated(path, full, inputs, roots, tmpRoots);
  const plain = behavioural(op, full, roots, tmpRoots);
  const chosen =
    byInput && (!plain || severityRank(byInput.severity) >= severityRank(plain.severity)) ? byInput : plain;
  return chosen ? { ...chosen, details: { op, path: redact(full, 200) } } : undefined;
}
