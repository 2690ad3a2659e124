/** The evaluation corpus (format: ./types.ts; docs/contracts.md "Evaluation"). */
import { ATTACK_FUNCTIONS } from './attacks';
import { BENIGN_FUNCTIONS } from './benign';
import type { CorpusFunction, TechniqueNote } from './types';

export * from './types';

export const CORPUS: CorpusFunction[] = [...ATTACK_FUNCTIONS, ...BENIGN_FUNCTIONS];

/** Techniques whose corpus case is not a plain "event reaches a sink" case, and why. */
export const TECHNIQUE_NOTES: TechniqueNote[] = [
  {
    technique: 'T9',
    note: 'Only the egress side (stratum pool port) is an event-driven case. CPU-heavy invocations are judged by the extension from platform.report metrics and are not in the corpus (they would make the eval slow by design).',
  },
  {
    technique: 'T10',
    note: 'A trojaned dependency acts at require time without any event data: the init-phase case is judged on cold-start findings (scope init); the late-require case runs during an invocation.',
  },
  {
    technique: 'T11',
    note: 'Configuration persistence is not event-driven: it is in the function configuration (NODE_OPTIONS). The case is judged on the cold-start self-check; nothing can stop a preload that runs before the guard (not blockable).',
  },
  {
    technique: 'T12',
    note: 'One corpus case (process.binding); restoring hooks, socket flooding, killing the extension, second clients and the rest are the tamper suite (test/tamper, reported next to the corpus by make eval).',
  },
];
