/** Pure predicate: does a finding satisfy a rule condition? */
import { type Finding, severityRank } from '../../../protocol/finding';
import type { FindingCondition } from './types';

const CONFIDENCE_RANK = { low: 0, medium: 1, high: 2 } as const;

/** `*` matches any run of characters; everything else literally (package names, sinks, kinds). */
function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(value);
}

const anyGlob = (patterns: string[], value: string | undefined) =>
  value !== undefined && patterns.some((p) => globMatch(p, value));

export function matchesCondition(f: Finding, c: FindingCondition): boolean {
  if (c.category && !c.category.includes(f.category)) return false;
  if (c.kind && !anyGlob(c.kind, f.kind)) return false;
  if (c.severity && severityRank(f.severity) < severityRank(c.severity)) return false;
  if (c.maxSeverity && severityRank(f.severity) > severityRank(c.maxSeverity)) return false;
  if (c.confidence && CONFIDENCE_RANK[f.confidence] < CONFIDENCE_RANK[c.confidence]) return false;
  if (c.source && f.source !== c.source) return false;
  if (c.phase && !c.phase.includes(f.phase)) return false;
  if (c.package && !anyGlob(c.package, f.package)) return false;
  if (c.sink && !anyGlob(c.sink, f.sink)) return false;
  if (c.blocked !== undefined && f.blocked !== c.blocked) return false;
  return true;
}
