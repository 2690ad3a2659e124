/**
 * Rule documents: validation (with positions), loading from SENTINEL_RULES (inline JSON/YAML or a file path)
 * and merging user rules over the built-in playbook. Invalid rules are reported and skipped, never fatal.
 *
 * Document shape: an array of rules, or `{ "rules": [...] }`. One rule:
 *   id, title?, description?, enabled?, severity?, category?, actions: [monitor|alert|quarantine|terminate],
 *   when?: { category, kind, severity (≥), maxSeverity (≤), confidence (≥), source, phase, package, sink, blocked },
 *   threshold?: { count, windowSeconds, scope: local|fleet, per: function|invocation },
 *   sequence?: { steps: [when, when, ...], within: invocation|environment, windowSeconds }
 * A rule `{ id, enabled: false }` disables the built-in rule with that id; any other rule with a built-in's id
 * replaces it.
 */
import * as fs from 'node:fs';
import { CATEGORIES, CONFIDENCES, type Category, isCategory, isSeverity, SEVERITIES } from '../../../protocol/finding';
import { ACTIONS, type ActionType, type FindingCondition, type Rule, type RuleProblem } from './types';

type Path = (string | number)[];
type PositionOf = (path: Path) => string | undefined;

const RULE_FIELDS = new Set([
  'id',
  'title',
  'description',
  'enabled',
  'when',
  'threshold',
  'sequence',
  'severity',
  'actions',
  'category',
]);
const WHEN_FIELDS = new Set([
  'category',
  'kind',
  'severity',
  'maxSeverity',
  'confidence',
  'source',
  'phase',
  'package',
  'sink',
  'blocked',
]);
const THRESHOLD_FIELDS = new Set(['count', 'windowSeconds', 'scope', 'per']);
const SEQUENCE_FIELDS = new Set(['steps', 'within', 'windowSeconds']);
const PHASES = ['init', 'invoke', 'shutdown', 'unknown'];
const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Longest accepted window: DynamoDB counter buckets and in-memory state stay bounded. */
const MAX_WINDOW_SECONDS = 86_400;
const MAX_COUNT = 100_000;

/** JSON-path style position: `$[2].threshold.windowSeconds`. */
function fmtPath(path: Path): string {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
}

class Collector {
  problems: RuleProblem[] = [];
  constructor(private readonly positionOf: PositionOf) {}
  add(path: Path, message: string, ruleId?: string): void {
    const where = this.positionOf(path);
    this.problems.push({ position: `${fmtPath(path)}${where ? ` (${where})` : ''}`, message, ruleId });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringList(v: unknown): string[] | undefined {
  if (typeof v === 'string' && v.length > 0) return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0)) return v as string[];
  return undefined;
}

function checkUnknown(
  obj: Record<string, unknown>,
  allowed: Set<string>,
  path: Path,
  c: Collector,
  ruleId?: string,
): boolean {
  let ok = true;
  for (const k of Object.keys(obj)) {
    if (!allowed.has(k)) {
      c.add([...path, k], `unknown field "${k}" (allowed: ${[...allowed].join(', ')})`, ruleId);
      ok = false;
    }
  }
  return ok;
}

function parseCondition(v: unknown, path: Path, c: Collector, ruleId?: string): FindingCondition | undefined {
  if (!isObject(v)) {
    c.add(path, 'must be an object of finding conditions', ruleId);
    return undefined;
  }
  let ok = checkUnknown(v, WHEN_FIELDS, path, c, ruleId);
  const out: FindingCondition = {};
  const bad = (k: string, msg: string) => {
    c.add([...path, k], msg, ruleId);
    ok = false;
  };
  if (v.category !== undefined) {
    const l = stringList(v.category);
    if (!l?.every(isCategory)) bad('category', `must be one or more of: ${CATEGORIES.join(', ')}`);
    else out.category = l as Category[];
  }
  for (const k of ['kind', 'package', 'sink'] as const) {
    if (v[k] === undefined) continue;
    const l = stringList(v[k]);
    if (!l) bad(k, 'must be a non-empty string or list of strings');
    else out[k] = l;
  }
  for (const k of ['severity', 'maxSeverity'] as const) {
    if (v[k] === undefined) continue;
    if (!isSeverity(v[k])) bad(k, `must be one of: ${SEVERITIES.join(', ')}`);
    else out[k] = v[k];
  }
  if (v.confidence !== undefined) {
    if (!(CONFIDENCES as readonly unknown[]).includes(v.confidence))
      bad('confidence', `must be one of: ${CONFIDENCES.join(', ')}`);
    else out.confidence = v.confidence as FindingCondition['confidence'];
  }
  if (v.source !== undefined) {
    if (v.source !== 'agent' && v.source !== 'extension') bad('source', 'must be agent or extension');
    else out.source = v.source;
  }
  if (v.phase !== undefined) {
    const l = stringList(v.phase);
    if (!l?.every((p) => PHASES.includes(p))) bad('phase', `must be one or more of: ${PHASES.join(', ')}`);
    else out.phase = l as FindingCondition['phase'];
  }
  if (v.blocked !== undefined) {
    if (typeof v.blocked !== 'boolean') bad('blocked', 'must be true or false');
    else out.blocked = v.blocked;
  }
  return ok ? out : undefined;
}

function positiveNumber(v: unknown, max: number, integer: boolean): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= max && (!integer || Number.isInteger(v));
}

function parseRule(v: unknown, path: Path, c: Collector): Rule | { disable: string } | undefined {
  if (!isObject(v)) {
    c.add(path, 'a rule must be an object');
    return undefined;
  }
  const id = v.id;
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    c.add([...path, 'id'], 'id is required: 1–64 characters of A-Z a-z 0-9 _ . : -');
    return undefined;
  }
  let ok = checkUnknown(v, RULE_FIELDS, path, c, id);
  const bad = (sub: Path, msg: string) => {
    c.add([...path, ...sub], msg, id);
    ok = false;
  };
  if (v.enabled !== undefined && typeof v.enabled !== 'boolean') bad(['enabled'], 'must be true or false');
  if (v.enabled === false && Object.keys(v).every((k) => k === 'id' || k === 'enabled'))
    return ok ? { disable: id } : undefined;

  const rule: Rule = { id, title: id, enabled: v.enabled !== false, actions: [] };
  if (v.title !== undefined) {
    if (typeof v.title !== 'string' || v.title.length === 0 || v.title.length > 120)
      bad(['title'], 'must be a string of 1–120 characters');
    else rule.title = v.title;
  }
  if (v.description !== undefined) {
    if (typeof v.description !== 'string') bad(['description'], 'must be a string');
    else rule.description = v.description;
  }
  if (v.severity !== undefined) {
    if (!isSeverity(v.severity)) bad(['severity'], `must be one of: ${SEVERITIES.join(', ')}`);
    else rule.severity = v.severity;
  }
  if (v.category !== undefined) {
    if (!isCategory(v.category)) bad(['category'], `must be one of: ${CATEGORIES.join(', ')}`);
    else rule.category = v.category;
  }
  const actions = v.actions === undefined ? ['monitor'] : stringList(v.actions);
  if (!actions) bad(['actions'], `must be a list of: ${ACTIONS.join(', ')}`);
  else {
    actions.forEach((a, i) => {
      if (!(ACTIONS as readonly string[]).includes(a))
        bad(
          ['actions', ...(Array.isArray(v.actions) ? [i] : [])],
          `unknown action "${a}" (allowed: ${ACTIONS.join(', ')})`,
        );
    });
    rule.actions = [...new Set(actions)] as ActionType[];
  }

  if (v.when !== undefined) {
    const cond = parseCondition(v.when, [...path, 'when'], c, id);
    if (!cond) ok = false;
    else rule.when = cond;
  }
  if (v.threshold !== undefined) {
    const t = v.threshold;
    if (!isObject(t)) bad(['threshold'], 'must be an object { count, windowSeconds, scope?, per? }');
    else {
      if (!checkUnknown(t, THRESHOLD_FIELDS, [...path, 'threshold'], c, id)) ok = false;
      if (!positiveNumber(t.count, MAX_COUNT, true))
        bad(['threshold', 'count'], `must be an integer from 1 to ${MAX_COUNT}`);
      if (!positiveNumber(t.windowSeconds, MAX_WINDOW_SECONDS, false))
        bad(['threshold', 'windowSeconds'], `must be a number of seconds > 0 and ≤ ${MAX_WINDOW_SECONDS}`);
      const scope = t.scope ?? 'local';
      if (scope !== 'local' && scope !== 'fleet') bad(['threshold', 'scope'], 'must be local or fleet');
      const per = t.per ?? 'function';
      if (per !== 'function' && per !== 'invocation') bad(['threshold', 'per'], 'must be function or invocation');
      if (scope === 'fleet' && per === 'invocation') bad(['threshold', 'per'], 'a fleet threshold counts per function');
      if (ok)
        rule.threshold = {
          count: t.count as number,
          windowSeconds: t.windowSeconds as number,
          scope,
          per,
        } as Rule['threshold'];
    }
  }
  if (v.sequence !== undefined) {
    const s = v.sequence;
    if (!isObject(s)) bad(['sequence'], 'must be an object { steps, within, windowSeconds }');
    else {
      if (!checkUnknown(s, SEQUENCE_FIELDS, [...path, 'sequence'], c, id)) ok = false;
      const steps: FindingCondition[] = [];
      if (!Array.isArray(s.steps) || s.steps.length < 2 || s.steps.length > 8)
        bad(['sequence', 'steps'], 'must list 2 to 8 conditions');
      else
        s.steps.forEach((st, i) => {
          const cond = parseCondition(st, [...path, 'sequence', 'steps', i], c, id);
          if (!cond) ok = false;
          else steps.push(cond);
        });
      const within = s.within ?? 'invocation';
      if (within !== 'invocation' && within !== 'environment')
        bad(['sequence', 'within'], 'must be invocation or environment');
      const windowSeconds = s.windowSeconds ?? 900;
      if (!positiveNumber(windowSeconds, MAX_WINDOW_SECONDS, false))
        bad(['sequence', 'windowSeconds'], `must be a number of seconds > 0 and ≤ ${MAX_WINDOW_SECONDS}`);
      if (ok) rule.sequence = { steps, within, windowSeconds } as Rule['sequence'];
    }
  }
  if (ok) {
    if (rule.when && rule.sequence) bad([], 'a rule has either `when` or `sequence`, not both');
    else if (!rule.when && !rule.sequence) bad([], 'a rule needs `when` (conditions on a finding) or `sequence`');
    else if (rule.threshold && !rule.when) bad(['threshold'], 'a threshold needs `when` (which findings count)');
  }
  return ok ? rule : undefined;
}

/** Validates a parsed rules document. Returns the valid rules (and disables), and one problem per defect. */
export function validateRules(
  doc: unknown,
  positionOf: PositionOf = () => undefined,
): { rules: Rule[]; disable: string[]; problems: RuleProblem[] } {
  const c = new Collector(positionOf);
  let list: unknown[];
  let base: Path = [];
  if (Array.isArray(doc)) list = doc;
  else if (isObject(doc) && Array.isArray(doc.rules)) {
    list = doc.rules;
    base = ['rules'];
    for (const k of Object.keys(doc)) if (k !== 'rules') c.add([k], `unknown top-level field "${k}"`);
  } else if (isObject(doc) && typeof doc.id === 'string') list = [doc];
  else {
    c.add([], 'expected a list of rules or { "rules": [...] }');
    return { rules: [], disable: [], problems: c.problems };
  }
  const rules: Rule[] = [];
  const disable: string[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const r = parseRule(item, [...base, i], c);
    if (!r) return;
    const id = 'disable' in r ? r.disable : r.id;
    if (seen.has(id)) {
      c.add([...base, i, 'id'], `duplicate rule id "${id}" (the later one is skipped)`, id);
      return;
    }
    seen.add(id);
    if ('disable' in r) disable.push(r.disable);
    else rules.push(r);
  });
  return { rules, disable, problems: c.problems };
}

/** Parses text as JSON or YAML (JSON is valid YAML) keeping line/column positions for problems. */
export function parseRulesText(text: string): { rules: Rule[]; disable: string[]; problems: RuleProblem[] } {
  // Lazy: the yaml parser is only needed when the user configured rules.
  const YAML = require('yaml') as typeof import('yaml');
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const lp = lineCounter.linePos(e.pos[0]);
    return {
      rules: [],
      disable: [],
      problems: [{ position: `line ${lp.line}:${lp.col}`, message: `cannot parse rules: ${e.message.split('\n')[0]}` }],
    };
  }
  const positionOf: PositionOf = (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && Array.isArray(node.range)) {
        const lp = lineCounter.linePos(node.range[0]);
        return `line ${lp.line}:${lp.col}`;
      }
    }
    return undefined;
  };
  return validateRules(doc.toJS(), positionOf);
}

/**
 * SENTINEL_RULES: inline JSON/YAML, or a path to a file. A value that starts with `[`, `{` or contains a newline
 * or `:` followed by a space is inline; anything else is read as a file path.
 */
export function loadUserRules(spec: string | undefined): {
  rules: Rule[];
  disable: string[];
  problems: RuleProblem[];
  source?: string;
} {
  if (!spec || spec.trim() === '') return { rules: [], disable: [], problems: [] };
  const t = spec.trim();
  const inline = t.startsWith('[') || t.startsWith('{') || t.includes('\n') || /:\s/.test(t) || t.startsWith('- ');
  if (inline) return { ...parseRulesText(t), source: 'inline' };
  let text: string;
  try {
    text = fs.readFileSync(t, 'utf8');
  } catch (e) {
    return {
      rules: [],
      disable: [],
      problems: [{ position: t, message: `cannot read rules file: ${(e as NodeJS.ErrnoException).code ?? 'error'}` }],
    };
  }
  const r = parseRulesText(text);
  for (const p of r.problems) p.position = `${t}: ${p.position}`;
  return { ...r, source: t };
}

/** User rules replace built-ins with the same id; `{id, enabled:false}` disables one; new ids are added. */
export function mergeRules(builtin: readonly Rule[], user: { rules: Rule[]; disable: string[] }): Rule[] {
  const byId = new Map<string, Rule>(builtin.map((r) => [r.id, r]));
  for (const id of user.disable) {
    const r = byId.get(id);
    if (r) byId.set(id, { ...r, enabled: false });
  }
  for (const r of user.rules) byId.set(r.id, r);
  return [...byId.values()].filter((r) => r.enabled);
}
