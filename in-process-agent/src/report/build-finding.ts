/** Verdict + sink facts → a protocol Finding (pure; limits and redaction applied here, once). */
import type * as cryptoT from 'node:crypto';
import { FINDING_LIMITS, type Finding, type Phase } from '../../../protocol/finding';
import type { Attribution } from '../context/stack';
import { lazy } from '../core/lazy';
import type { Verdict } from '../detectors/types';

export interface SinkFacts {
  sink: string;
  args: readonly string[];
  phase: Phase;
  requestId?: string;
  blocked: boolean;
  attribution?: Attribution;
}

let randomUUID: (() => string) | undefined;
/** `crypto` is loaded on the first finding, not at preload (it pulls in streams: milliseconds of startup). */
function newId(): string {
  randomUUID ??= (require('node:crypto') as typeof cryptoT).randomUUID;
  return randomUUID();
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export function buildFinding(v: Verdict, f: SinkFacts, now: Date = new Date()): Finding {
  const finding: Finding = {
    id: newId(),
    time: now.toISOString(),
    source: 'agent',
    category: v.category,
    kind: truncate(v.kind, 64),
    severity: v.severity,
    confidence: v.confidence,
    title: truncate(v.title, FINDING_LIMITS.maxTitleLength),
    sink: f.sink,
    args: f.args
      .slice(0, FINDING_LIMITS.maxArgs)
      .map((a) => lazy().detectors.redact(String(a), FINDING_LIMITS.maxArgLength)),
    phase: f.phase,
    blocked: f.blocked,
  };
  if (v.input)
    finding.input = {
      path: truncate(v.input.path, FINDING_LIMITS.maxArgLength),
      value: lazy().detectors.redact(v.input.value, FINDING_LIMITS.maxArgLength),
    };
  if (f.requestId) finding.requestId = f.requestId;
  if (f.attribution?.package) finding.package = f.attribution.package;
  if (f.attribution?.location) finding.location = truncate(f.attribution.location, FINDING_LIMITS.maxArgLength);
  if (v.details) {
    const d: Record<string, string | number | boolean> = {};
    for (const [k, val] of Object.entries(v.details).slice(0, FINDING_LIMITS.maxDetails))
      d[k] = typeof val === 'string' ? truncate(val, FINDING_LIMITS.maxDetailLength) : val;
    finding.details = d;
  }
  return finding;
}
