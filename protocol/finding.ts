/**
 * The finding schema: the one definition shared by the in-process agent, the extension,
 * the rules engine and the reports. Neither side copies it.
 */

export const CATEGORIES = [
  'command_injection', // T2: input changes shell syntax, or is a command name
  'code_injection', // T3: input reaches Function/vm/eval-like sinks
  'path_traversal', // T4: input escapes a directory or points into sensitive roots
  'sensitive_file', // T4 without input: /proc/*/environ, own source, /etc/shadow ...
  'ssrf', // T6: input-controlled host resolving to internal addresses
  'egress', // outbound host outside SENTINEL_EGRESS_ALLOW, DNS-over-HTTPS
  'exec_policy', // child process outside SENTINEL_EXEC_ALLOW
  'dropper', // T8: exec/require of files written to /tmp in this environment
  'credential_access', // T5: credential variables read by code that is not the AWS SDK
  'credential_exfiltration', // T5: secret values leaving in URL/header/body, or access→egress sequence
  'integrity', // T7/T12: hooks replaced, handler swapped, Runtime API access, agent silenced, second client
  'prototype_pollution', // T13
  'module_load', // T10: modules from /tmp or outside known roots, native addons, late packages
  'resource_abuse', // T9: timeouts, memory at the limit, mining pools
  'configuration', // T11: invalid config, unexpected extension/wrapper/preload
  'posture', // exposed secrets, inventory, drift (cold-start posture)
  'agent', // the agent's own health: internal errors, dropped findings
] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CONFIDENCES = ['low', 'medium', 'high'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

export type Phase = 'init' | 'invoke' | 'shutdown' | 'unknown';

/** Where a finding was produced. */
export type FindingSource = 'agent' | 'extension';

export interface FindingInput {
  /** JSON path of the event string that caused the finding, e.g. `$.body.cmd` or `$.Records[0].s3.object.key`. */
  path: string;
  /** The (redacted, truncated) input string. */
  value: string;
}

export interface Finding {
  /** Unique id (uuid v4). */
  id: string;
  /** ISO-8601 time the finding was produced. */
  time: string;
  source: FindingSource;
  category: Category;
  /** Fine-grained kind inside the category, e.g. `shell_metachar`, `runtime_api_access`, `second_client`. */
  kind: string;
  severity: Severity;
  confidence: Confidence;
  /** One human-readable line. Never contains secret values. */
  title: string;
  /** The hooked operation, e.g. `child_process.exec`, `fs.readFileSync`, `http.request`. */
  sink?: string;
  /** Sink arguments, redacted and truncated (see limits below). */
  args?: string[];
  input?: FindingInput;
  /** npm package on the stack that performed the operation (first non-agent frame). */
  package?: string;
  /** file:line of that frame. */
  location?: string;
  phase: Phase;
  requestId?: string;
  /** True when the operation was stopped before it ran. */
  blocked: boolean;
  /** Extra scalar facts (never secret values). */
  details?: Record<string, string | number | boolean>;
}

/** Limits applied to every finding before it leaves the agent or the extension. */
export const FINDING_LIMITS = {
  maxArgs: 8,
  maxArgLength: 256,
  maxTitleLength: 200,
  maxDetails: 16,
  maxDetailLength: 256,
} as const;

const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function severityRank(s: Severity): number {
  return SEVERITY_RANK[s];
}

export function atLeast(s: Severity, min: Severity): boolean {
  return SEVERITY_RANK[s] >= SEVERITY_RANK[min];
}

export function isCategory(v: unknown): v is Category {
  return typeof v === 'string' && (CATEGORIES as readonly string[]).includes(v);
}

export function isSeverity(v: unknown): v is Severity {
  return typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v);
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * Validates an untrusted object (e.g. a frame from the socket) as a Finding and applies the limits.
 * Returns an error string instead of throwing so callers can count and log refusals.
 */
export function parseFinding(v: unknown): { ok: true; finding: Finding } | { ok: false; error: string } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'finding is not an object' };
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'string' || o.id.length === 0 || o.id.length > 64) return { ok: false, error: 'bad id' };
  if (typeof o.time !== 'string' || Number.isNaN(Date.parse(o.time))) return { ok: false, error: 'bad time' };
  if (o.source !== 'agent' && o.source !== 'extension') return { ok: false, error: 'bad source' };
  if (!isCategory(o.category)) return { ok: false, error: `unknown category ${String(o.category).slice(0, 40)}` };
  if (typeof o.kind !== 'string' || o.kind.length === 0) return { ok: false, error: 'bad kind' };
  if (!isSeverity(o.severity)) return { ok: false, error: 'bad severity' };
  if (!(CONFIDENCES as readonly unknown[]).includes(o.confidence)) return { ok: false, error: 'bad confidence' };
  if (typeof o.title !== 'string') return { ok: false, error: 'bad title' };
  if (!['init', 'invoke', 'shutdown', 'unknown'].includes(o.phase as string)) return { ok: false, error: 'bad phase' };
  if (typeof o.blocked !== 'boolean') return { ok: false, error: 'bad blocked' };
  const optStr = (k: string) => o[k] === undefined || typeof o[k] === 'string';
  for (const k of ['sink', 'package', 'location', 'requestId']) if (!optStr(k)) return { ok: false, error: `bad ${k}` };
  if (o.args !== undefined && (!Array.isArray(o.args) || !o.args.every((a) => typeof a === 'string')))
    return { ok: false, error: 'bad args' };
  let input: FindingInput | undefined;
  if (o.input !== undefined) {
    const i = o.input as Record<string, unknown>;
    if (typeof i !== 'object' || i === null || typeof i.path !== 'string' || typeof i.value !== 'string')
      return { ok: false, error: 'bad input' };
    input = { path: truncate(i.path, FINDING_LIMITS.maxArgLength), value: truncate(i.value, FINDING_LIMITS.maxArgLength) };
  }
  let details: Finding['details'];
  if (o.details !== undefined) {
    if (typeof o.details !== 'object' || o.details === null || Array.isArray(o.details)) return { ok: false, error: 'bad details' };
    details = {};
    for (const [k, val] of Object.entries(o.details).slice(0, FINDING_LIMITS.maxDetails)) {
      if (typeof val === 'string') details[k] = truncate(val, FINDING_LIMITS.maxDetailLength);
      else if (typeof val === 'number' || typeof val === 'boolean') details[k] = val;
    }
  }
  const finding: Finding = {
    id: o.id,
    time: o.time,
    source: o.source,
    category: o.category,
    kind: truncate(o.kind, 64),
    severity: o.severity,
    confidence: o.confidence as Confidence,
    title: truncate(o.title, FINDING_LIMITS.maxTitleLength),
    phase: o.phase as Phase,
    blocked: o.blocked,
  };
  if (typeof o.sink === 'string') finding.sink = truncate(o.sink, 64);
  if (Array.isArray(o.args))
    finding.args = (o.args as string[]).slice(0, FINDING_LIMITS.maxArgs).map((a) => truncate(a, FINDING_LIMITS.maxArgLength));
  if (input) finding.input = input;
  if (typeof o.package === 'string') finding.package = truncate(o.package, 214);
  if (typeof o.location === 'string') finding.location = truncate(o.location, FINDING_LIMITS.maxArgLength);
  if (typeof o.requestId === 'string') finding.requestId = truncate(o.requestId, 64);
  if (details) finding.details = details;
  return { ok: true, finding };
}
