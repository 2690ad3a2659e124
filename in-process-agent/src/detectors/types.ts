/**
 * Shared types of the pure detectors. A detector takes a sink argument plus the invocation's
 * extracted input strings and returns verdicts; the hooks turn verdicts into Findings.
 */
import type { Category, Confidence, Severity } from '../../../protocol/finding';

export interface Verdict {
  category: Category;
  kind: string;
  severity: Severity;
  confidence: Confidence;
  /** One human line; never contains secret values (input values pass through `redact`). */
  title: string;
  /** The event string that caused the verdict (value already redacted and truncated). */
  input?: { path: string; value: string };
  details?: Record<string, string | number | boolean>;
}

/** Directories of this execution environment (sandbox: directories; AWS: /var/task, /var/runtime, /opt, /tmp). */
export interface Roots {
  taskRoot: string;
  runtimeDir: string;
  layerRoot: string;
  tmpDirs: string[];
}
