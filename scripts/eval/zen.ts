/**
 * Aikido Zen (@aikidosec/firewall) side by side: its detections come from its own log lines in the function log
 * (`Zen has blocked|detected <kind>: kind="…" operation="…(...)" source="…"`), attributed to a case by request id.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Category } from '../../protocol/finding';
import type { CorpusCase, CorpusFunction } from '../../test/corpus/types';
import type { FunctionRun } from './run-function';
import { REPO } from './run-function';

export interface ZenDetection {
  blocked: boolean;
  kind: string;
  operation: string;
  source: string;
  requestId?: string;
  at: number;
}

/** Zen's attack kinds and the Sentinel category each corresponds to. */
export const ZEN_KINDS: Record<string, Category> = {
  shell_injection: 'command_injection',
  path_traversal: 'path_traversal',
  ssrf: 'ssrf',
  stored_ssrf: 'ssrf',
  code_injection: 'code_injection',
};

/** Triggers whose data Zen treats as user input (its Lambda wrapper: API Gateway-shaped HTTP events and SQS). */
const ZEN_TRIGGERS = new Set(['apigw-v1', 'apigw-v2', 'function-url', 'alb', 'sqs']);

export function zenVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(REPO, 'node_modules', '@aikidosec', 'firewall', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Whether the case is one Zen claims to cover: an input-correlated kind it has, on a trigger it reads input from. */
export function inZenScope(c: CorpusCase): { inScope: boolean; reason: string } {
  if (c.type === 'benign') return { inScope: true, reason: 'benign' };
  if (!ZEN_TRIGGERS.has(c.trigger)) return { inScope: false, reason: `trigger ${c.trigger} is not input for Zen` };
  const kinds = new Set(Object.values(ZEN_KINDS));
  if (!c.expect.some((e) => kinds.has(e.category)))
    return { inScope: false, reason: `no Zen detection kind for ${c.expect.map((e) => e.category).join(', ')}` };
  return { inScope: true, reason: 'input-correlated kind on a supported trigger' };
}

const LINE = /Zen has (blocked|detected) [^:]*: kind="([^"]*)" operation="([^"]*)" source="([^"]*)"/;

export function zenDetections(run: FunctionRun): ZenDetection[] {
  const out: ZenDetection[] = [];
  for (const l of run.functionLogs) {
    const m = LINE.exec(l.line);
    if (m) out.push({ blocked: m[1] === 'blocked', kind: m[2], operation: m[3], source: m[4], requestId: l.requestId, at: l.time });
  }
  return out;
}

export interface ZenCaseResult {
  caseId: string;
  fnId: string;
  type: 'attack' | 'benign';
  node: string;
  inScope: boolean;
  scopeReason: string;
  /** Zen detections attributed to the case as `kind:operation@source[ (blocked)]`. */
  found: string[];
  /** Attack: some Zen detection maps to an expected category. Benign: any detection is a false positive. */
  detected: boolean;
  falsePositive: boolean;
  /** Block mode (Zen only ran blocking): the effect did not happen. */
  blocked?: boolean;
  effectHappened?: boolean;
  msToDetection?: number;
  /** Zen failed to load or the function failed under Zen. */
  failure?: string;
  /** Benign case: the function did not do its work under Zen (its check failed). */
  functionError?: string;
}

export function judgeZen(fn: CorpusFunction, run: FunctionRun): ZenCaseResult[] {
  const all = zenDetections(run);
  return fn.cases.map((c) => {
    const cr = run.cases.find((x) => x.caseId === c.id);
    const scope = inZenScope(c);
    const ids = new Set((cr?.invocations ?? []).map((i) => i.requestId));
    const mine = all.filter((d) => d.requestId !== undefined && ids.has(d.requestId));
    const found = mine.map((d) => `${d.kind}:${d.operation}@${d.source}${d.blocked ? ' (blocked)' : ''}`);
    const base = {
      caseId: c.id,
      fnId: fn.id,
      type: c.type,
      node: run.node,
      inScope: scope.inScope,
      scopeReason: scope.reason,
      found,
      failure: run.failure ?? (cr ? undefined : 'not run'),
    };
    if (c.type === 'benign') return { ...base, detected: false, falsePositive: mine.length > 0, functionError: cr?.checkError };
    const expected = new Set(c.expect.map((e) => e.category));
    const hits = mine.filter((d) => expected.has(ZEN_KINDS[d.kind] as Category));
    const t0 = cr?.window[0] ?? 0;
    return {
      ...base,
      detected: hits.length > 0,
      falsePositive: false,
      // Stopped by Zen: it detected the attack and the effect did not happen (not merely a function that broke).
      blocked: hits.length > 0 && (c.block.effect ? cr?.effectHappened === false : hits.some((h) => h.blocked)),
      effectHappened: cr?.effectHappened,
      msToDetection: hits.length ? Math.max(0, Math.min(...hits.map((h) => h.at)) - t0) : undefined,
    };
  });
}
