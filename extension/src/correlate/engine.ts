/**
 * The correlation engine: findings in, rule matches out. Pure in-memory state (windows, sequence progress);
 * fleet-wide counting is delegated to the caller through FleetCandidates so this stage makes no network call.
 */
import { type Finding, type Severity, severityRank } from '../../../protocol/finding';
import { matchesCondition } from './match';
import type { ActionType, Evaluation, FleetCandidate, Rule, RuleMatch } from './types';
import { SlidingCounter } from './windows';

/** Buckets per window for fleet counters: finer buckets = tighter window edges, more items per Query. */
const BUCKETS_PER_WINDOW = 6;
/** Findings kept in a sequence's progress (the steps plus repeats of earlier steps). */
const MAX_SEQUENCE_FINDINGS = 16;

interface SequenceState {
  step: number;
  startedAt: number;
  findings: Finding[];
}

function maxSeverity(findings: Finding[]): Severity {
  return findings.reduce<Severity>((m, f) => (severityRank(f.severity) > severityRank(m) ? f.severity : m), 'info');
}

function toMatch(rule: Rule, kind: RuleMatch['kind'], findings: Finding[], count?: number): RuleMatch {
  const trigger = findings[findings.length - 1];
  const m: RuleMatch = {
    rule,
    kind,
    severity: rule.severity ?? maxSeverity(findings),
    category: rule.category ?? trigger.category,
    findings,
    requestId: trigger.requestId,
  };
  if (count !== undefined) m.count = count;
  return m;
}

export function bucketSecondsFor(windowSeconds: number): number {
  return Math.max(1, Math.ceil(windowSeconds / BUCKETS_PER_WINDOW));
}

export class CorrelationEngine {
  private readonly simple: Rule[] = [];
  private readonly thresholds = new Map<string, { rule: Rule; counter: SlidingCounter<Finding> }>();
  private readonly sequences = new Map<string, { rule: Rule; states: Map<string, SequenceState> }>();
  /** Last time a threshold rule fired here per key (local or fleet): suppresses re-firing within its window. */
  private readonly lastFired = new Map<string, number>();

  constructor(readonly rules: readonly Rule[]) {
    for (const r of rules) {
      if (!r.enabled) continue;
      if (r.sequence) this.sequences.set(r.id, { rule: r, states: new Map() });
      else if (r.threshold)
        this.thresholds.set(r.id, {
          rule: r,
          counter: new SlidingCounter<Finding>(r.threshold.count, r.threshold.windowSeconds * 1000),
        });
      else if (r.when) this.simple.push(r);
    }
  }

  /** Evaluates one finding at time `at` (ms, arrival time: the agent's clock is not trusted for windows). */
  evaluate(f: Finding, at: number): Evaluation {
    const matches: RuleMatch[] = [];
    const fleet: FleetCandidate[] = [];
    for (const rule of this.simple)
      if (rule.when && matchesCondition(f, rule.when)) matches.push(toMatch(rule, 'finding', [f]));

    for (const { rule, counter } of this.thresholds.values()) {
      const t = rule.threshold!;
      if (!rule.when || !matchesCondition(f, rule.when)) continue;
      const key = t.per === 'invocation' ? `inv:${f.requestId ?? '-'}` : 'fn';
      const hit = counter.add(key, at, f);
      if (hit && !this.inCooldown(rule, key, at)) {
        this.lastFired.set(`${rule.id}|${key}`, at);
        matches.push(toMatch(rule, 'threshold', hit, hit.length));
      }
      // Fleet counters always get the event, so other environments see the true fleet-wide count.
      if (t.scope === 'fleet') fleet.push({ rule, finding: f, bucketSeconds: bucketSecondsFor(t.windowSeconds) });
    }

    for (const { rule, states } of this.sequences.values()) {
      const seq = rule.sequence!;
      const key = seq.within === 'invocation' ? `inv:${f.requestId ?? '-'}` : 'env';
      let st = states.get(key);
      if (st && at - st.startedAt > seq.windowSeconds * 1000) {
        states.delete(key);
        st = undefined;
      }
      const next = st ? st.step : 0;
      if (matchesCondition(f, seq.steps[next])) {
        if (!st) {
          if (states.size >= 1024) states.delete(states.keys().next().value as string);
          st = { step: 0, startedAt: at, findings: [] };
          states.set(key, st);
        }
        st.step++;
        if (st.findings.length < MAX_SEQUENCE_FINDINGS) st.findings.push(f);
        if (st.step === seq.steps.length) {
          states.delete(key);
          matches.push(toMatch(rule, 'sequence', st.findings));
        }
      }
    }
    return { matches, fleet };
  }

  /** The fleet-wide count for a candidate came back: a match when it reaches the threshold (once per window). */
  fleetMatch(c: FleetCandidate, fleetCount: number, at: number): RuleMatch | undefined {
    const t = c.rule.threshold!;
    if (fleetCount < t.count || this.inCooldown(c.rule, 'fn', at)) return undefined;
    this.lastFired.set(`${c.rule.id}|fn`, at);
    this.thresholds.get(c.rule.id)?.counter.clear('fn');
    return toMatch(c.rule, 'fleet_threshold', [c.finding], fleetCount);
  }

  /** Drops per-invocation state once an invocation is over (bounds memory on long-lived environments). */
  endInvocation(requestId: string): void {
    const key = `inv:${requestId}`;
    for (const { states } of this.sequences.values()) states.delete(key);
    for (const { rule, counter } of this.thresholds.values()) {
      counter.clear(key);
      this.lastFired.delete(`${rule.id}|${key}`);
    }
  }

  private inCooldown(rule: Rule, key: string, at: number): boolean {
    const last = this.lastFired.get(`${rule.id}|${key}`);
    return last !== undefined && at - last < rule.threshold!.windowSeconds * 1000;
  }
}

export interface Decision {
  severity: Severity;
  /** The match that names the incident (highest severity; sequences and thresholds before single findings). */
  primary: RuleMatch;
  /** Actions of every match at the top severity, in a fixed order (urgent first). */
  actions: ActionType[];
  matches: RuleMatch[];
}

const KIND_ORDER: Record<RuleMatch['kind'], number> = { sequence: 0, fleet_threshold: 1, threshold: 2, finding: 3 };
const ACTION_ORDER: ActionType[] = ['terminate', 'quarantine', 'alert', 'monitor'];

/** Several rules may fire for one finding: the highest incident severity decides what is done. */
export function decide(matches: RuleMatch[]): Decision | undefined {
  if (matches.length === 0) return undefined;
  const top = matches.reduce((m, x) => Math.max(m, severityRank(x.severity)), 0);
  const atTop = matches.filter((m) => severityRank(m.severity) === top);
  atTop.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  const wanted = new Set(atTop.flatMap((m) => m.rule.actions));
  return {
    severity: atTop[0].severity,
    primary: atTop[0],
    actions: ACTION_ORDER.filter((a) => wanted.has(a)),
    matches,
  };
}
