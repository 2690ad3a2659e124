/**
 * Findings the extension produces itself (tampering with the channel, silent agent, bad configuration, self-check).
 * They use the shared schema and go through `parseFinding` like agent findings, so limits apply the same way.
 */
import { randomUUID } from 'node:crypto';
import {
  type Category,
  type Confidence,
  type Finding,
  type Phase,
  parseFinding,
  type Severity,
} from '../../../protocol/finding';

export interface ExtensionFindingInput {
  category: Category;
  kind: string;
  severity: Severity;
  confidence?: Confidence;
  title: string;
  phase?: Phase;
  requestId?: string;
  details?: Record<string, string | number | boolean>;
}

export function extensionFinding(input: ExtensionFindingInput, now: Date = new Date()): Finding {
  const raw = {
    id: randomUUID(),
    time: now.toISOString(),
    source: 'extension',
    category: input.category,
    kind: input.kind,
    severity: input.severity,
    confidence: input.confidence ?? 'high',
    title: input.title,
    phase: input.phase ?? 'unknown',
    requestId: input.requestId,
    blocked: false,
    details: input.details,
  };
  const parsed = parseFinding(raw);
  // Our own inputs are typed; a failure here is a programming error, surfaced loudly in tests.
  if (!parsed.ok) throw new Error(`internal: invalid extension finding (${parsed.error})`);
  return parsed.finding;
}
