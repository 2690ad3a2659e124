/**
 * Resource-abuse findings derived from the platform's view of an invocation (Telemetry API summary):
 * the agent cannot report its own timeout or an OOM, the extension can.
 */
import { randomUUID } from 'node:crypto';
import type { Finding } from '../../../protocol/finding';
import type { InvocationSummary } from '../pipeline';

/** Log-line indicators of crypto-mining (pool protocols and well-known miners). */
const MINING_PATTERN = /stratum\+(?:tcp|ssl|tls):\/\/|\bxmrig\b|\bcryptonight\b|\bminerd\b|\bnicehash\b/i;

function finding(s: InvocationSummary, kind: string, title: string, details: Finding['details']): Finding {
  return {
    id: randomUUID(),
    time: new Date().toISOString(),
    source: 'extension',
    category: 'resource_abuse',
    kind,
    severity: 'high',
    confidence: kind === 'mining_indicator' ? 'medium' : 'high',
    title,
    phase: 'invoke',
    requestId: s.requestId,
    blocked: false,
    details,
  };
}

export function findingsFromInvocation(s: InvocationSummary): Finding[] {
  const out: Finding[] = [];
  if (s.status === 'timeout')
    out.push(finding(s, 'timeout', 'Invocation timed out', { durationMs: s.durationMs ?? -1 }));
  if (s.maxMemoryUsedMB !== undefined && s.memorySizeMB !== undefined && s.maxMemoryUsedMB >= s.memorySizeMB)
    out.push(
      finding(s, 'memory_limit', 'Invocation used all of its memory', {
        maxMemoryUsedMB: s.maxMemoryUsedMB,
        memorySizeMB: s.memorySizeMB,
      }),
    );
  const line = s.logTail?.find((l) => MINING_PATTERN.test(l));
  if (line) {
    const indicator = MINING_PATTERN.exec(line)?.[0] ?? 'mining';
    out.push(
      finding(s, 'mining_indicator', 'Crypto-mining indicator in function output', {
        indicator: indicator.slice(0, 40),
      }),
    );
  }
  return out;
}
