/**
 * Judges a function run against the corpus cases: which expected findings were found (category, severity ≥ min,
 * kind, input path) for the case's request ids (or at cold start), false positives on benign cases, whether block
 * mode stopped the effect, and the time from the attack's invoke to the first matching finding / incident.
 */
import { atLeast, type Finding } from '../../protocol/finding';
import type { AttackCase, CorpusCase, CorpusFunction, Expected } from '../../test/corpus/types';
import type { CaseRun, FunctionRun, Mode, Subject } from './run-function';

export type Verdict = 'pass' | 'fail' | 'known_limit';

export interface CaseResult {
  caseId: string;
  fnId: string;
  type: 'attack' | 'benign';
  subject: Subject;
  mode: Mode;
  node: string;
  trigger: string;
  techniques: string[];
  /** Expected entries as `category[/kind]≥severity[@path]`. */
  expected: string[];
  /** Findings attributed to the case as `category:kind:severity[@path][ (blocked)]`. */
  found: string[];
  missing: string[];
  detected: boolean;
  /** Block mode: the effect did not happen (and, without an observable effect, a matching finding says blocked). */
  blocked?: boolean;
  blockable?: boolean;
  effect?: string;
  effectHappened?: boolean;
  /** ms from the attack's invoke start to the extension logging the first matching finding / an incident. */
  msToFinding?: number;
  msToIncident?: number;
  falsePositives: string[];
  verdict: Verdict;
  notes: string[];
}

const fmtExpected = (e: Expected) =>
  `${e.category}${e.kind ? `/${e.kind}` : ''}≥${e.minSeverity}${e.inputPath ? `@${e.inputPath}` : ''}`;
const fmtFinding = (f: Finding) =>
  `${f.category}:${f.kind}:${f.severity}${f.input ? `@${f.input.path}` : ''}${f.blocked ? ' (blocked)' : ''}`;

export function matches(f: Finding, e: Expected): boolean {
  return (
    f.category === e.category &&
    atLeast(f.severity, e.minSeverity) &&
    (e.kind === undefined || f.kind === e.kind) &&
    (e.inputPath === undefined || (f.input?.path ?? '').startsWith(e.inputPath))
  );
}

/** Findings that belong to a case: its request ids, or (init scope) the cold start. */
export function caseFindings(run: FunctionRun, c: CorpusCase, cr: CaseRun): { at: number; value: Finding }[] {
  const ids = new Set(cr.invocations.map((i) => i.requestId));
  return run.findings.filter(({ value: f }) => {
    if (f.requestId && ids.has(f.requestId)) return true;
    if (c.scope === 'init') return f.phase === 'init' || (!f.requestId && f.source === 'extension');
    return false;
  });
}

/**
 * Runtime detections: what the false-positive rate counts. Not the agent's own health records, and not posture
 * (cold-start configuration advisories such as a plaintext token in an environment variable: true statements about
 * the configuration, reported separately as advisories).
 */
export const isDetection = (f: Finding) => f.category !== 'agent' && f.category !== 'posture';
const isAdvisory = (f: Finding) => f.category === 'posture';

export function judgeSentinel(fn: CorpusFunction, run: FunctionRun): CaseResult[] {
  const out: CaseResult[] = [];
  for (const c of fn.cases) {
    const cr = run.cases.find((x) => x.caseId === c.id);
    const base = {
      caseId: c.id,
      fnId: fn.id,
      type: c.type,
      subject: run.subject,
      mode: run.mode,
      node: run.node,
      trigger: c.trigger,
      techniques: c.type === 'attack' ? c.techniques : [],
      notes: [] as string[],
    };
    if (!cr) {
      out.push({
        ...base,
        expected: c.type === 'attack' ? c.expect.map(fmtExpected) : [],
        found: [],
        missing: c.type === 'attack' ? c.expect.map(fmtExpected) : [],
        detected: false,
        falsePositives: [],
        verdict: 'fail',
        notes: [`not run: ${run.failure ?? 'unknown failure'}`],
      });
      continue;
    }
    const mine = caseFindings(run, c, cr).filter((x) => isDetection(x.value));
    const found = mine.map((x) => fmtFinding(x.value));
    if (c.type === 'benign') {
      // A benign-only function may not produce any finding at all; a benign case of a vulnerable function none
      // for its own invocations.
      const fps = fn.benignOnly ? run.findings.filter((x) => isDetection(x.value)).map((x) => fmtFinding(x.value)) : found;
      const notes = cr.checkError ? [`function did not work: ${cr.checkError}`] : [];
      const scope = fn.benignOnly ? run.findings : caseFindings(run, c, cr);
      const advisories = [...new Set(scope.filter((x) => isAdvisory(x.value)).map((x) => fmtFinding(x.value)))];
      if (advisories.length) notes.push(`posture advisories (not counted): ${advisories.join(', ')}`);
      out.push({
        ...base,
        expected: [],
        found,
        missing: [],
        detected: false,
        falsePositives: [...new Set(fps)],
        verdict: fps.length === 0 && !cr.checkError ? 'pass' : 'fail',
        notes,
      });
      continue;
    }
    out.push(judgeAttack(c, cr, run, mine, base));
  }
  return out;
}

function judgeAttack(
  c: AttackCase,
  cr: CaseRun,
  run: FunctionRun,
  mine: { at: number; value: Finding }[],
  base: Omit<CaseResult, 'expected' | 'found' | 'missing' | 'detected' | 'falsePositives' | 'verdict'>,
): CaseResult {
  const missing = c.expect.filter((e) => !mine.some((x) => matches(x.value, e)));
  const detected = missing.length === 0;
  const hits = mine.filter((x) => c.expect.some((e) => matches(x.value, e)));
  const t0 = cr.window[0];
  const firstHit = hits.length ? Math.min(...hits.map((h) => h.at)) : undefined;
  const ids = new Set(mine.map((x) => x.value.id));
  const reqIds = new Set(cr.invocations.map((i) => i.requestId));
  const inc = run.incidents.find(
    (i) => (i.value.findings ?? []).some((f) => ids.has(f.id)) || (i.value.requestId !== undefined && reqIds.has(i.value.requestId)),
  );
  const notes = [...base.notes];
  let verdict: CaseResult['verdict'] = detected ? 'pass' : 'fail';
  let blocked: boolean | undefined;
  const effect = c.block.effect;
  if (run.mode === 'block') {
    const saidBlocked = hits.some((h) => h.value.blocked);
    blocked = effect ? cr.effectHappened === false : saidBlocked;
    if (c.block.blockable) {
      if (!blocked) verdict = 'fail';
      if (blocked && !saidBlocked) notes.push('effect stopped, but no matching finding says blocked');
    } else {
      notes.push(`not blockable: ${c.block.reason}`);
      if (verdict === 'pass') verdict = 'known_limit';
    }
  } else if (effect && cr.effectHappened === false) {
    // Monitor mode lets the attack run: an effect that did not happen means the case itself is broken.
    notes.push(`monitor mode: the effect did not happen (${cr.effectDetail}); the case does not prove anything`);
    verdict = 'fail';
  }
  return {
    ...base,
    expected: c.expect.map(fmtExpected),
    found: mine.map((x) => fmtFinding(x.value)),
    missing: missing.map(fmtExpected),
    detected,
    blocked,
    blockable: c.block.blockable,
    effect: effect ? `${effect.kind}${'file' in effect ? `:${effect.file}` : 'path' in effect ? `:${effect.path}` : ''}` : undefined,
    effectHappened: cr.effectHappened,
    msToFinding: firstHit !== undefined ? Math.max(0, firstHit - t0) : undefined,
    msToIncident: inc ? Math.max(0, inc.at - t0) : undefined,
    falsePositives: [],
    verdict,
    notes,
  };
}
