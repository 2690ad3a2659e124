/**
 * The built-in playbook. Users override a rule by id (or disable it with `{ id, enabled: false }`) through
 * SENTINEL_RULES. When several rules fire for one finding, the highest incident severity wins and its
 * actions run (see engine.ts), so severity bands need no upper bounds here.
 */
import { CATEGORIES } from '../../../protocol/finding';
import type { Rule } from './types';

const INJECTION = ['code_injection', 'command_injection'] as const;

export const BUILTIN_RULES: readonly Rule[] = [
  {
    id: 'injection-high',
    title: 'Code or command injection',
    enabled: true,
    when: { category: [...INJECTION], severity: 'high' },
    severity: 'high',
    actions: ['quarantine', 'alert'],
  },
  {
    id: 'injection-critical',
    title: 'Critical code or command injection',
    enabled: true,
    when: { category: [...INJECTION], severity: 'critical' },
    severity: 'critical',
    actions: ['terminate', 'alert'],
  },
  {
    id: 'path-traversal-medium',
    title: 'Path traversal',
    enabled: true,
    when: { category: ['path_traversal'], severity: 'medium' },
    severity: 'medium',
    actions: ['monitor', 'alert'],
  },
  {
    id: 'path-traversal-high',
    title: 'Path traversal',
    enabled: true,
    when: { category: ['path_traversal'], severity: 'high' },
    severity: 'high',
    actions: ['quarantine', 'alert'],
  },
  {
    id: 'runtime-integrity',
    title: 'Runtime integrity violation',
    description: 'Hook tampering, Runtime API access from user code, agent silenced, a second socket client.',
    enabled: true,
    when: { category: ['integrity'] },
    severity: 'critical',
    actions: ['terminate', 'alert'],
  },
  {
    id: 'resource-abuse',
    title: 'Resource abuse',
    description: 'Timeouts, memory at the limit, mining indicators.',
    enabled: true,
    when: { category: ['resource_abuse'] },
    severity: 'high',
    actions: ['quarantine', 'alert'],
  },
  {
    id: 'escalation-injection-burst',
    title: 'Repeated injection attempts',
    description: '3 injection findings within 300 s, in this environment or across the fleet.',
    enabled: true,
    when: { category: [...INJECTION] },
    threshold: { count: 3, windowSeconds: 300, scope: 'fleet', per: 'function' },
    severity: 'critical',
    actions: ['terminate', 'alert'],
  },
  {
    id: 'escalation-finding-burst',
    title: 'Burst of security findings',
    // `info` findings (inventory notes) and posture findings (a plaintext secret is reported by every cold start
    // of the function) are not attack signals: a scale-out would otherwise fire this on a clean fleet.
    description: '10 findings (severity ≥ low, posture excluded) within 60 s, in this environment or across the fleet.',
    enabled: true,
    when: { severity: 'low', category: CATEGORIES.filter((c) => c !== 'posture') },
    threshold: { count: 10, windowSeconds: 60, scope: 'fleet', per: 'function' },
    severity: 'high',
    actions: ['quarantine', 'alert'],
  },
  {
    id: 'credential-exfiltration',
    title: 'Credential exfiltration',
    description: 'Credential access followed by egress to a host outside the allow-list in the same invocation.',
    enabled: true,
    sequence: {
      steps: [{ category: ['credential_access'] }, { category: ['egress'] }],
      within: 'invocation',
      windowSeconds: 900,
    },
    severity: 'critical',
    category: 'credential_exfiltration',
    actions: ['terminate', 'alert'],
  },
];
