/** What the record stage stores: incidents with the actions taken and their results. */
import type { ResponseMode } from '../../../protocol/config';
import type { Category, Severity } from '../../../protocol/finding';
import type { ErrorInfo } from './aws';

export type ActionName = 'monitor' | 'alert' | 'quarantine' | 'terminate';
export type ActionStatus = 'pending' | 'ok' | 'failed' | 'dry-run' | 'skipped' | 'merged';

export interface ActionRecord {
  type: ActionName;
  status: ActionStatus;
  /** Readable outcome, e.g. `reserved concurrency set to 0`, `merged into alert of incident …`. */
  detail?: string;
  error?: ErrorInfo;
  attempts?: number;
  startedAt: string;
  durationMs?: number;
}

export interface FindingSummary {
  id: string;
  time: string;
  category: Category;
  kind: string;
  severity: Severity;
  title: string;
  sink?: string;
  inputPath?: string;
  package?: string;
  blocked: boolean;
}

export interface Incident {
  type: 'incident';
  id: string;
  function: string;
  version: string;
  requestId?: string;
  environmentId: string;
  rule: string;
  ruleTitle: string;
  /** How the rule fired: one finding, a local or fleet threshold, a sequence. */
  match: 'finding' | 'threshold' | 'fleet_threshold' | 'sequence';
  severity: Severity;
  category: Category;
  title: string;
  /** Other rules that fired at the same time (lower severity or same severity). */
  alsoMatched: string[];
  /** Threshold count that crossed the rule (local or fleet-wide). */
  count?: number;
  findingCount: number;
  /** First findings (bounded), each summarised; the full findings are in the extension log. */
  findings: FindingSummary[];
  responseMode: ResponseMode;
  actions: ActionRecord[];
  createdAt: string;
  updatedAt: string;
}

/** An operator action (e.g. `sentinel release`), stored beside the incidents of the function. */
export interface AuditRecord {
  type: 'audit';
  id: string;
  function: string;
  action: string;
  actor: string;
  detail: string;
  createdAt: string;
}
