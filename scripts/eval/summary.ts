/** Rates over judged case runs: detection, false positives, block effectiveness, time to finding / incident. */
import type { CaseResult } from './judge';
import type { ZenCaseResult } from './zen';

export interface Range {
  median: number;
  min: number;
  max: number;
  n: number;
}

export interface Rates {
  attackRuns: number;
  detected: number;
  detectionRate: number;
  benignRuns: number;
  benignWithFindings: number;
  falsePositiveRate: number;
  /** Block mode only: blockable attack runs whose effect was stopped. */
  blockableRuns: number;
  blocked: number;
  blockEffectiveness?: number;
  msToFinding?: Range;
  msToIncident?: Range;
}

export function range(xs: number[]): Range | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)], min: s[0], max: s[s.length - 1], n: s.length };
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function rates(results: CaseResult[]): Rates {
  const attacks = results.filter((r) => r.type === 'attack');
  const benign = results.filter((r) => r.type === 'benign');
  const blockable = attacks.filter((r) => r.mode === 'block' && r.blockable);
  const blocked = blockable.filter((r) => r.blocked).length;
  const detected = attacks.filter((r) => r.detected).length;
  const fps = benign.filter((r) => r.falsePositives.length > 0).length;
  return {
    attackRuns: attacks.length,
    detected,
    detectionRate: ratio(detected, attacks.length),
    benignRuns: benign.length,
    benignWithFindings: fps,
    falsePositiveRate: ratio(fps, benign.length),
    blockableRuns: blockable.length,
    blocked,
    blockEffectiveness: blockable.length ? ratio(blocked, blockable.length) : undefined,
    msToFinding: range(attacks.flatMap((r) => (r.msToFinding === undefined ? [] : [r.msToFinding]))),
    msToIncident: range(attacks.flatMap((r) => (r.msToIncident === undefined ? [] : [r.msToIncident]))),
  };
}

export interface ZenRates {
  attackRuns: number;
  inScopeRuns: number;
  detected: number;
  detectedInScope: number;
  blocked: number;
  blockableRuns: number;
  benignRuns: number;
  falsePositives: number;
  msToDetection?: Range;
}

export function zenRates(results: ZenCaseResult[], blockableIds: Set<string>): ZenRates {
  const attacks = results.filter((r) => r.type === 'attack');
  const inScope = attacks.filter((r) => r.inScope);
  const blockable = attacks.filter((r) => blockableIds.has(r.caseId));
  return {
    attackRuns: attacks.length,
    inScopeRuns: inScope.length,
    detected: attacks.filter((r) => r.detected).length,
    detectedInScope: inScope.filter((r) => r.detected).length,
    blockableRuns: blockable.length,
    blocked: blockable.filter((r) => r.blocked).length,
    benignRuns: results.filter((r) => r.type === 'benign').length,
    falsePositives: results.filter((r) => r.falsePositive).length,
    msToDetection: range(attacks.flatMap((r) => (r.msToDetection === undefined ? [] : [r.msToDetection]))),
  };
}

export const pct = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);
export const fmtRange = (r: Range | undefined) => (r ? `${r.median} ms (${r.min}–${r.max}, n=${r.n})` : '—');
