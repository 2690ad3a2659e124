/** Correlate stage entry: the rule set in force (built-ins + SENTINEL_RULES) and the engine over it. */
import { CorrelationEngine } from './engine';
import { BUILTIN_RULES } from './playbook';
import { loadUserRules, mergeRules } from './rules';
import type { RuleProblem } from './types';

export { bucketSecondsFor, CorrelationEngine, type Decision, decide } from './engine';
export { findingsFromInvocation } from './invocation';
export { BUILTIN_RULES } from './playbook';
export type * from './types';

export function createEngine(rulesSpec: string | undefined): {
  engine: CorrelationEngine;
  problems: RuleProblem[];
  ruleIds: string[];
} {
  const user = loadUserRules(rulesSpec);
  const rules = mergeRules(BUILTIN_RULES, user);
  return { engine: new CorrelationEngine(rules), problems: user.problems, ruleIds: rules.map((r) => r.id) };
}
