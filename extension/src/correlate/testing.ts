/** Finding factory for correlate/respond unit tests (not used by production code). */
import type { Finding } from '../../../protocol/finding';

let seq = 0;
export function makeFinding(over: Partial<Finding> = {}): Finding {
  seq++;
  return {
    id: `f-${seq}`,
    time: new Date().toISOString(),
    source: 'agent',
    category: 'command_injection',
    kind: 'shell_metachar',
    severity: 'high',
    confidence: 'high',
    title: `test finding ${seq}`,
    phase: 'invoke',
    requestId: 'req-1',
    blocked: false,
    ...over,
  };
}
