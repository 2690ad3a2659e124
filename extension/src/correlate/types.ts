/**
 * The rule model the correlation engine evaluates. Rules are data (built-in playbook + SENTINEL_RULES);
 * the engine turns findings into RuleMatches; later stages decide what to do with them.
 */
import type { Category, Confidence, Finding, FindingSource, Phase, Severity } from '../../../protocol/finding';

export const ACTIONS = ['monitor', 'alert', 'quarantine', 'terminate'] as const;
export type ActionType = (typeof ACTIONS)[number];

/** Conditions on one finding; every present field must hold (AND). List fields match any element (OR). */
export interface FindingCondition {
  category?: Category[];
  kind?: string[];
  /** Minimum severity (≥). */
  severity?: Severity;
  /** Maximum severity (≤), to carve severity bands. */
  maxSeverity?: Severity;
  /** Minimum confidence (≥). */
  confidence?: Confidence;
  source?: FindingSource;
  phase?: Phase[];
  /** npm package names; `*` wildcards allowed (e.g. `@scope/*`). */
  package?: string[];
  sink?: string[];
  blocked?: boolean;
}

/** "count ≥ N within W seconds". `fleet` also counts across all execution environments (DynamoDB counters). */
export interface Threshold {
  count: number;
  windowSeconds: number;
  scope: 'local' | 'fleet';
  /** Count per function (default) or per invocation (same request id). Fleet counting is per function only. */
  per: 'function' | 'invocation';
}

/** "A then B (then …)" within one invocation (same request id) or one environment, inside a time window. */
export interface Sequence {
  steps: FindingCondition[];
  within: 'invocation' | 'environment';
  windowSeconds: number;
}

export interface Rule {
  id: string;
  title: string;
  description?: string;
  enabled: boolean;
  /** Condition on each finding (for threshold rules: which findings count). Absent with `sequence`. */
  when?: FindingCondition;
  threshold?: Threshold;
  sequence?: Sequence;
  /** Severity of the incident; default: the highest severity among the matched findings. */
  severity?: Severity;
  actions: ActionType[];
  /** Category reported for the incident; default: the triggering finding's category. */
  category?: Category;
}

export type MatchKind = 'finding' | 'threshold' | 'fleet_threshold' | 'sequence';

/** One rule fired. `findings` are the findings that made it fire (bounded), the last one being the trigger. */
export interface RuleMatch {
  rule: Rule;
  kind: MatchKind;
  severity: Severity;
  category: Category;
  findings: Finding[];
  /** For thresholds: the count that crossed it (local or fleet-wide). */
  count?: number;
  /** Request id the match belongs to (the trigger's). */
  requestId?: string;
}

/** A fleet-scope threshold that did not fire locally: the caller adds to the shared counter and asks again. */
export interface FleetCandidate {
  rule: Rule;
  finding: Finding;
  /** Counter bucket width (seconds); the window is covered by whole buckets. */
  bucketSeconds: number;
}

export interface Evaluation {
  matches: RuleMatch[];
  fleet: FleetCandidate[];
}

/** Implemented by the record stage (DynamoDB); defined here so correlate does not depend on it. */
export interface FleetCounter {
  /** Adds `delta` to the rule's current bucket and returns the fleet-wide count within the window. */
  addAndCount(
    ruleId: string,
    atMs: number,
    delta: number,
    windowSeconds: number,
    bucketSeconds: number,
  ): Promise<number>;
}

export interface RuleProblem {
  /** Where in the rules document: JSON path plus line:column when known. */
  position: string;
  message: string;
  ruleId?: string;
}
