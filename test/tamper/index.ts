/**
 * The tamper suite: user code written to get around Sentinel (test/tamper/function), run case by case in the local
 * Lambda sandbox with the built layer attached through the exec wrapper. Each case gets its own execution
 * environment (several cases kill or hijack parts of it). What Sentinel saw is read from the extension's log
 * (`evt: finding` records, agent- and extension-made); whether the attack took effect from a marker file the
 * attack writes into the environment's /tmp. Case definitions and their documented limits: ./cases.ts.
 *
 * Used by the e2e test (test/e2e/tamper.test.ts) and by the evaluation runner (scripts/eval).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '../../protocol/finding';
import {
  collectStructuredRecords,
  createFunctionEnvironment,
  type EnvironmentReport,
  type FunctionEnvironment,
  type InvocationResult,
} from '../../scripts/sandbox/emulator';
import { CASES, type CaseRun, type Expected, type Outcome, type TamperCase } from './cases';

export type { Expected, Outcome } from './cases';

export interface TamperResult {
  id: string;
  title: string;
  outcome: Outcome;
  expected: Expected;
  /** `category:kind` of every finding Sentinel recorded for the case (agent and extension), deduplicated. */
  findings: string[];
  note: string;
}

export interface TamperOptions {
  /** Layer tree that plays /opt (a copy of build/layer). */
  layerDir: string;
  /** Node binary of the runtime. */
  node: string;
  /** Its version (`v22.1.0` or `22.1.0`); the major picks version-specific expectations. */
  nodeVersion: string;
  mode: 'monitor' | 'block';
  /** Only these case ids (default: all). */
  only?: string[];
  /**
   * SENTINEL_HARDEN=true: the wrapper adds Node's permission model (Node >= 22.13; on older Node it changes
   * nothing and the usual expectations apply).
   */
  harden?: boolean;
}

/** A result with the raw material of the run, for case-specific assertions in the e2e test. */
export interface TamperDetail extends TamperResult {
  run: CaseRun;
}

export const FUNCTION_DIR = join(__dirname, 'function');

export function majorOf(version: string): number {
  return Number(version.replace(/^v/, '').split('.')[0]);
}

/** Node's permission model is stable (and accepted in NODE_OPTIONS) from 22.13, where the wrapper applies it. */
export function permissionModelIn(version: string): boolean {
  const [maj, min] = version.replace(/^v/, '').split('.').map(Number);
  return maj > 22 || (maj === 22 && min >= 13);
}

async function runCase(c: TamperCase, o: TamperOptions, major: number): Promise<TamperDetail> {
  const harden = Boolean(o.harden) && permissionModelIn(o.nodeVersion);
  let env: FunctionEnvironment | undefined;
  const responses: InvocationResult[] = [];
  try {
    env = await createFunctionEnvironment({
      codeDir: FUNCTION_DIR,
      handler: 'index.handler',
      layerDir: o.layerDir,
      node: o.node,
      timeoutMs: 10_000,
      initTimeoutMs: 10_000,
      functionName: `tamper-${c.id}`,
      env: {
        AWS_LAMBDA_EXEC_WRAPPER: '/opt/sentinel-wrapper',
        SENTINEL_MODE: o.mode,
        // Incidents open and actions are planned, but nothing acts on the environment (dry-run).
        SENTINEL_RESPONSE: 'dry-run',
        ...(o.harden ? { SENTINEL_HARDEN: 'true' } : {}),
        ...c.env,
      },
    });
    const steps = c.steps ?? [{}];
    for (let i = 0; i < steps.length; i++) {
      responses.push(await env.invoke({ case: c.id, step: i, ...steps[i] }));
      if (c.stepDelayMs) await new Promise((r) => setTimeout(r, c.stepDelayMs));
    }
    await env.settled();
    const report: EnvironmentReport = await env.shutdown();
    const records = collectStructuredRecords(report.extensionLogs);
    const markerFile = join(env.tmpDir, `tamper-${c.id}`);
    // Read now: dispose() removes the tmp dir.
    const present = new Set(readdirSync(env.tmpDir).filter((f) => f.startsWith('tamper-')));
    const run: CaseRun = {
      responses,
      findings: records.findings as Finding[],
      incidents: records.incidents,
      marker: existsSync(markerFile) ? readFileSync(markerFile, 'utf8') : undefined,
      markers: (tag) => present.has(`tamper-${tag}`),
      report,
    };
    const expected = harden && c.hardened ? c.hardened : c.expect({ mode: o.mode, major });
    const judged = judge(c, run, { mode: o.mode, major }, harden);
    return {
      id: c.id,
      title: c.title,
      outcome: judged.outcome,
      expected,
      findings: [...new Set(run.findings.map((f) => `${f.category}:${f.kind}`))].sort(),
      note: judged.note,
      run,
    };
  } finally {
    await env?.dispose().catch(() => {});
  }
}

/** Generic judgement (a case may override): seen = a signal finding; blocked = seen and the effect did not happen. */
function judge(
  c: TamperCase,
  run: CaseRun,
  o: { mode: 'monitor' | 'block'; major: number },
  harden: boolean,
): { outcome: Outcome; note: string } {
  if (c.judge) return c.judge(run, o);
  const seen = signalFindings(c, run);
  const effect = c.effect ? c.effect(run, o) : run.marker !== undefined;
  const what = seen.map((f) => `${f.source}:${f.category}:${f.kind}${f.blocked ? ' (blocked)' : ''}`);
  const incidents = run.incidents.length > 0 ? `; incident opened` : '';
  if (seen.length > 0 && !effect)
    return { outcome: 'blocked', note: `stopped; seen as ${what.join(', ')}${incidents}` };
  if (seen.length > 0) return { outcome: 'detected', note: `took effect; seen as ${what.join(', ')}${incidents}` };
  if (!effect && harden && JSON.stringify(run.responses).includes('ERR_ACCESS_DENIED'))
    return { outcome: 'blocked', note: "refused by Node's permission model (SENTINEL_HARDEN), not by a hook" };
  if (!effect) return { outcome: 'missed', note: 'nothing seen and the attack did not take effect (case broken?)' };
  const limit = c.limit?.(o);
  if (limit) return { outcome: 'known_limit', note: `not seen: ${limit}` };
  return { outcome: 'missed', note: 'took effect and nothing was seen' };
}

export function signalFindings(c: TamperCase, run: CaseRun): Finding[] {
  return run.findings.filter((f) => c.signals.includes(`${f.category}:${f.kind}`));
}

/** Runs every case (or `opts.only`) one after another, each in a fresh execution environment. */
export async function runTamperDetails(opts: TamperOptions): Promise<TamperDetail[]> {
  const major = majorOf(opts.nodeVersion);
  const out: TamperDetail[] = [];
  for (const c of CASES) {
    if (opts.only && !opts.only.includes(c.id)) continue;
    out.push(await runCase(c, opts, major));
  }
  return out;
}

export async function runTamperSuite(opts: TamperOptions): Promise<TamperResult[]> {
  return (await runTamperDetails(opts)).map(({ run: _run, ...r }) => r);
}
