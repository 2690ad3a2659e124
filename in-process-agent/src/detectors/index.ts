/**
 * The detectors: pure functions from (sink argument, invocation inputs, policy) to verdicts.
 * Hooks call these; nothing here does I/O or keeps per-invocation state.
 */
export { detectCode } from './code';
export { matchesEgressAllow } from './egress-allow';
export { detectExec } from './exec';
export { classifyIp, parseIpLoose } from './ip';
export { detectOutbound, type OutboundOptions, type OutboundTarget } from './outbound';
export { detectPath, type PathOp } from './path';
export { redact } from './redact';
export { detectSecretLeak } from './secrets';
export { detectShellCommand } from './shell';
export type { Roots, Verdict } from './types';
