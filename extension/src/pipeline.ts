/**
 * The seam between the extension's ingest/lifecycle side and its correlate → respond → record side.
 * Lifecycle code calls a Responder; the Responder never calls back into lifecycle code except through the
 * narrow capabilities in PipelineContext (tell the agent, reset this environment).
 */
import type { Logger } from 'pino';
import type { QuarantineInfo } from '../../protocol/channel';
import type { SentinelConfig } from '../../protocol/config';
import type { Finding } from '../../protocol/finding';

export type InvocationStatus = 'success' | 'error' | 'timeout' | 'failure';

/** What the telemetry stream says about one invocation. */
export interface InvocationSummary {
  requestId: string;
  status: InvocationStatus;
  errorType?: string;
  durationMs?: number;
  billedDurationMs?: number;
  memorySizeMB?: number;
  maxMemoryUsedMB?: number;
  initDurationMs?: number;
  /** Bounded tail of the function's log lines for this request (for crash-loop / timeout / OOM rules). */
  logTail?: string[];
}

export interface PipelineContext {
  config: SentinelConfig;
  log: Logger;
  functionName: string;
  functionVersion: string;
  accountId?: string;
  region: string;
  /** Stable id of this execution environment (random per cold start). */
  environmentId: string;
  /** Tell the agent at once (returns false when no agent is connected). */
  sendToAgent(msg: { t: 'quarantine'; quarantine: QuarantineInfo } | { t: 'release' }): boolean;
  /** Discard this execution environment through the Extensions API (exit/error → platform reset). */
  resetEnvironment(reason: string): Promise<void>;
}

export interface Responder {
  /** A finding arrived (from the agent or produced by the extension). Never throws; starts urgent actions at once. */
  onFinding(f: Finding): void;
  /** The telemetry summary of a finished invocation. Never throws. */
  onInvocation(s: InvocationSummary): void;
  /**
   * Called before the extension's next `event/next` (after that the environment may freeze): resolves when
   * urgent actions for this request are done and non-urgent writes are flushed. The caller bounds the wait.
   */
  beforeNext(requestId: string | undefined): Promise<void>;
  /** At SHUTDOWN: flush everything before `deadlineMs` (epoch ms). */
  shutdown(deadlineMs: number): Promise<void>;
}

/** Record-only responder for tests of the lifecycle alone (main.ts always uses createResponder; `off` is handled there). */
export function createLoggingResponder(ctx: Pick<PipelineContext, 'log'>): Responder {
  return {
    onFinding(f) {
      ctx.log.warn({ evt: 'finding', finding: f }, f.title);
    },
    onInvocation(s) {
      ctx.log.info({ evt: 'invocation', invocation: s }, 'invocation');
    },
    async beforeNext() {},
    async shutdown() {},
  };
}
