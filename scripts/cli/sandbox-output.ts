/** The `sentinel sandbox` report: one JSON document (--json) or a readable summary. */
import { collectStructuredRecords, type EnvironmentReport } from '../sandbox/emulator';
import type { SandboxArgs } from './sandbox-args';

export interface SandboxReport {
  function: {
    name: string;
    handler: string;
    codeDir: string;
    layerDir?: string;
    node: string;
    nodeMajor: number;
    runtime: string;
    memoryMb: number;
    timeoutMs: number;
    logFormat: string;
  };
  invocations: {
    requestId: string;
    status: string;
    statusCode: number;
    response?: unknown;
    error?: unknown;
    durationMs: number;
    phaseDurationMs?: number;
    initDurationMs?: number;
    coldStart: boolean;
  }[];
  inits: EnvironmentReport['inits'];
  functionLogs: EnvironmentReport['functionLogs'];
  extensionLogs: EnvironmentReport['extensionLogs'];
  /** Telemetry delivered, per subscriber. */
  telemetry: EnvironmentReport['telemetry'];
  findings: unknown[];
  incidents: unknown[];
  actions: unknown[];
  awsCalls: unknown[];
  platformEvents: EnvironmentReport['platformEvents'];
  platformErrors: EnvironmentReport['platformErrors'];
  shutdowns: EnvironmentReport['shutdowns'];
  extensions: EnvironmentReport['extensions'];
}

export function buildReport(args: SandboxArgs, r: EnvironmentReport, awsCalls: unknown[]): SandboxReport {
  return {
    function: {
      name: r.functionName,
      handler: r.handler,
      codeDir: r.codeDir,
      ...(r.layerDir ? { layerDir: r.layerDir } : {}),
      node: r.node,
      nodeMajor: r.nodeMajor,
      runtime: r.runtime,
      memoryMb: args.memoryMb,
      timeoutMs: args.timeoutMs,
      logFormat: args.logFormat,
    },
    invocations: r.invocations.map((i) => ({
      requestId: i.requestId,
      status: i.status,
      statusCode: i.statusCode,
      ...(i.error ? { error: i.error } : { response: i.response }),
      durationMs: i.durationMs,
      ...(i.phaseDurationMs !== undefined ? { phaseDurationMs: i.phaseDurationMs } : {}),
      ...(i.initDurationMs !== undefined ? { initDurationMs: i.initDurationMs } : {}),
      coldStart: i.coldStart,
    })),
    inits: r.inits,
    functionLogs: r.functionLogs,
    extensionLogs: r.extensionLogs,
    telemetry: r.telemetry,
    ...collectStructuredRecords(r.extensionLogs),
    awsCalls,
    platformEvents: r.platformEvents,
    platformErrors: r.platformErrors,
    shutdowns: r.shutdowns,
    extensions: r.extensions,
  };
}

const clip = (s: string, n = 160) => (s.length > n ? `${s.slice(0, n)}…` : s);

export function formatSummary(rep: SandboxReport): string {
  const f = rep.function;
  const out: string[] = [];
  out.push(
    `function ${f.name} (${f.handler}) on Node ${f.nodeMajor}, runtime ${f.runtime}, ${f.memoryMb} MB, timeout ${f.timeoutMs / 1000} s`,
  );
  for (const i of rep.inits) {
    out.push(
      `init (${i.phase}): ${i.status}${i.errorType ? ` ${i.errorType}: ${i.errorMessage ?? ''}` : ''} in ${i.durationMs} ms`,
    );
  }
  for (const e of rep.extensions) out.push(`extension ${e.name}: ${e.state} [${e.events.join(', ')}]`);
  rep.invocations.forEach((i, n) => {
    const body = i.error ? `error ${JSON.stringify(i.error)}` : `response ${JSON.stringify(i.response)}`;
    out.push(
      `invoke #${n + 1} ${i.requestId}: ${i.status} (${i.statusCode}) in ${i.durationMs} ms${i.coldStart ? ' (cold)' : ''}`,
    );
    out.push(`  ${clip(body ?? 'undefined', 400)}`);
  });
  out.push(`function log lines: ${rep.functionLogs.length}`);
  for (const l of rep.functionLogs.slice(-10)) out.push(`  | ${clip(l.line)}`);
  out.push(`extension log lines: ${rep.extensionLogs.length}`);
  for (const l of rep.extensionLogs.slice(-10)) out.push(`  | [${l.extension}] ${clip(l.line)}`);
  for (const t of rep.telemetry) {
    out.push(`telemetry → ${t.name}: ${t.events.length} events in ${t.batches} batches, dropped ${t.droppedRecords}`);
  }
  out.push(`findings: ${rep.findings.length}, incidents: ${rep.incidents.length}, actions: ${rep.actions.length}`);
  out.push(`AWS calls: ${rep.awsCalls.length}`);
  for (const s of rep.shutdowns) {
    out.push(
      `shutdown (${s.reason}) in ${s.durationMs} ms: ${s.extensions.map((e) => `${e.name}=${e.state}`).join(', ') || 'no extensions'}`,
    );
  }
  for (const e of rep.platformErrors) out.push(`platform error [${e.phase}] ${e.errorType}: ${clip(e.errorMessage)}`);
  return out.join('\n');
}
