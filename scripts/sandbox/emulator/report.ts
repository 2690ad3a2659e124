/** The execution environment's report, and extraction of structured extension records (docs/contracts.md). */
import type { AgentEventType, AgentState } from './agents';
import type { Stream } from './process';
import type { TelemetryEvent } from './telemetry/events';
import type { SubscriberSummary } from './telemetry/subscriber';

export interface InvocationError {
  errorType: string;
  errorMessage: string;
  [key: string]: unknown;
}

/** What the caller of Invoke gets back (as soon as the runtime answered). */
export interface InvocationResult {
  requestId: string;
  /** 200 for function results and function errors (with `functionError`), 413/429 when rejected before running. */
  statusCode: number;
  response?: unknown;
  error?: InvocationError;
  functionError?: 'Unhandled';
  /** Time from the invoke request to the answer, ms. */
  durationMs: number;
}

export interface InvocationRecord extends InvocationResult {
  /** Final status of the invoke phase, as in platform.report (`success`, `error`, `timeout`, `failure`) or `rejected`. */
  status: string;
  errorType?: string;
  /** Duration of the whole invoke phase incl. extensions (platform.report durationMs). */
  phaseDurationMs?: number;
  initDurationMs?: number;
  coldStart: boolean;
}

export interface InitRecord {
  phase: 'init' | 'invoke';
  status: string;
  errorType?: string;
  errorMessage?: string;
  durationMs: number;
}

export interface ExtensionRecord {
  name: string;
  external: boolean;
  state: AgentState;
  events: AgentEventType[];
  exitCode?: number | null;
  signal?: string | null;
}

export interface ShutdownRecord {
  reason: string;
  durationMs: number;
  extensions: ExtensionRecord[];
  runtimeExit?: { code: number | null; signal: string | null };
}

export interface LogLine {
  time: string;
  stream: Stream;
  line: string;
  requestId?: string;
}

export interface ExtensionLogLine extends LogLine {
  extension: string;
}

export interface PlatformError {
  time: string;
  phase: string;
  errorType: string;
  errorMessage: string;
  requestId?: string;
}

export interface EnvironmentReport {
  functionName: string;
  instanceId: string;
  handler: string;
  codeDir: string;
  layerDir?: string;
  node: string;
  nodeMajor: number;
  runtime: 'builtin' | 'ric';
  tmpDir: string;
  inits: InitRecord[];
  invocations: InvocationRecord[];
  functionLogs: LogLine[];
  extensionLogs: ExtensionLogLine[];
  platformEvents: TelemetryEvent[];
  platformErrors: PlatformError[];
  /** Per subscriber (one entry per subscription, across resets): what was delivered and what was dropped. */
  telemetry: SubscriberSummary[];
  shutdowns: ShutdownRecord[];
  /** Extensions of the latest generation. */
  extensions: ExtensionRecord[];
  /** `evt` = finding / incident / action records from the extensions' log lines (docs/contracts.md). */
  findings: unknown[];
  incidents: unknown[];
  actions: unknown[];
}

export interface StructuredRecords {
  findings: unknown[];
  incidents: unknown[];
  actions: unknown[];
}

/** Collects `{"evt":"finding"|"incident"|"action", ...}` JSON lines that extensions wrote to stdout/stderr. */
export function collectStructuredRecords(lines: { line: string }[]): StructuredRecords {
  const out: StructuredRecords = { findings: [], incidents: [], actions: [] };
  for (const { line } of lines) {
    if (!line.startsWith('{')) continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (rec === null || typeof rec !== 'object') continue;
    if (rec.evt === 'finding') out.findings.push(rec.finding ?? rec);
    else if (rec.evt === 'incident') out.incidents.push(rec.incident ?? rec);
    else if (rec.evt === 'action') out.actions.push(rec.action ?? rec);
  }
  return out;
}
