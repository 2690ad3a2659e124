/**
 * Runs one corpus function in one warm sandbox environment (one subject × mode × Node runtime): stages the code dir,
 * starts the environment, invokes every case's events in order and collects what the judge needs (responses,
 * findings and incidents with the time the extension logged them, marker files, canary requests, function logs).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../protocol/finding';
import type { CaseContext, CorpusCase, CorpusFunction, Effect } from '../../test/corpus/types';
import { createFunctionEnvironment, type FunctionEnvironment, repoRoot } from '../sandbox/emulator';
import { type Canary, type CanaryRequest, startCanary } from './canary';

/** Found from the module's location (works from sources and from the esbuild bundle in build/eval). */
export const REPO = repoRoot();
export const CORPUS_DIR = join(REPO, 'test', 'corpus', 'functions');
/** Staged code dirs and layer copies (outside /tmp, see stageCode). */
export const WORK_DIR = join(REPO, 'build', 'eval', 'work');

export type Subject = 'sentinel' | 'zen';
export type Mode = 'monitor' | 'block';

export interface AwsResources {
  env: Record<string, string>;
  topicArn: string;
  queueUrl: string;
}

export interface RunFunctionOptions {
  fn: CorpusFunction;
  subject: Subject;
  mode: Mode;
  node: string;
  /** Major version of `node` (Zen's ESM instrumentation needs Node ≥ 22.15). */
  nodeMajor?: number;
  /** Sentinel: copies of build/layer (play /opt); `withDependencies` also has nodejs/node_modules. Zen runs without. */
  layers?: { plain: string; withDependencies: string };
  /** A copy of the emulated runtime's bootstrap (default: build/sandbox/runtime/bootstrap). */
  bootstrap?: string;
  aws?: AwsResources;
}

export interface Invocation {
  requestId: string;
  start: number;
  end: number;
  response?: unknown;
  error?: unknown;
}

export interface TimedRecord<T> {
  /** When the extension logged it (ms epoch). */
  at: number;
  value: T;
}

export interface CaseRun {
  caseId: string;
  invocations: Invocation[];
  /** Effect observed (true = it happened). Undefined when the case declares no observable effect. */
  effectHappened?: boolean;
  effectDetail?: string;
  /** Window of the case: first invoke start (or environment start for init cases) to last invoke end. */
  window: [number, number];
  checkError?: string;
}

export interface FunctionRun {
  fnId: string;
  subject: Subject;
  mode: Mode;
  node: string;
  startedAt: number;
  durationMs: number;
  cases: CaseRun[];
  findings: TimedRecord<Finding>[];
  incidents: TimedRecord<{ id?: string; requestId?: string; findings?: { id: string }[]; title?: string; rule?: string }>[];
  functionLogs: { time: number; line: string; requestId?: string }[];
  /** The extensions' log lines (kept for build/eval/logs/ when a case fails). */
  extensionLogs: { time: string; line: string }[];
  canary: CanaryRequest[];
  /** Environment-level failure (init error, crash), if any. */
  failure?: string;
}

/**
 * The secret access key the sandbox gives every runtime (scripts/sandbox/emulator/env.ts: platform credentials win
 * over function configuration, as reserved names do on Lambda). Effects look for it in canary requests and responses.
 */
export const SANDBOX_SECRET = 'sandbox/fake/secret/access/key/not/real/000';

function stageCode(fn: CorpusFunction, subject: Subject): { dir: string; handler: string } {
  // Not under /tmp: the code dir plays /var/task, and files under the tmp dirs are judged as /tmp files.
  mkdirSync(WORK_DIR, { recursive: true });
  const dir = mkdtempSync(join(WORK_DIR, `${fn.id}-`));
  cpSync(join(CORPUS_DIR, fn.id), dir, { recursive: true });
  // Packages (AWS SDK, Zen) resolve by walking up from the staged dir to the repo's node_modules, as the runtime's
  // own SDK does for /var/task code; Sentinel's dependency layer lists the same directory in NODE_PATH.
  if (subject === 'sentinel') return { dir, handler: fn.handler };
  // Zen's documented Lambda integration: wrap the exported handler with @aikidosec/firewall/lambda.
  const [file, exportName] = splitHandler(fn.handler);
  if (fn.module === 'cjs') {
    writeFileSync(
      join(dir, 'zen-entry.js'),
      `const protect = require('@aikidosec/firewall/lambda');\nconst mod = require('./${file}');\nexports.handler = protect(mod.${exportName});\n`,
    );
  } else {
    writeFileSync(
      join(dir, 'zen-entry.mjs'),
      `import protect from '@aikidosec/firewall/lambda';\nimport { ${exportName} as h } from './${file}.mjs';\nexport const handler = protect(h);\n`,
    );
  }
  return { dir, handler: 'zen-entry.handler' };
}

function splitHandler(h: string): [string, string] {
  const i = h.lastIndexOf('.');
  return [h.slice(0, i), h.slice(i + 1)];
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function observe(
  effect: Effect | undefined,
  ctx: CaseContext,
  invocations: Invocation[],
  canary: CanaryRequest[],
  window: [number, number],
): { happened?: boolean; detail?: string } {
  if (!effect) return {};
  const responses = invocations.map((i) => JSON.stringify(i.response ?? i.error ?? null)).join('\n');
  switch (effect.kind) {
    case 'file_written':
    case 'process_started': {
      const happened = existsSync(join(ctx.tmpDir, effect.file));
      return { happened, detail: `${effect.file} ${happened ? 'exists' : 'absent'}` };
    }
    case 'file_read': {
      const happened = responses.includes(effect.token);
      return { happened, detail: happened ? 'file content in the response' : 'file content not returned' };
    }
    case 'connection': {
      const hits = canary.filter((r) => r.path.startsWith(effect.path));
      return { happened: hits.length > 0, detail: `${hits.length} request(s) to ${effect.path}` };
    }
    case 'secret_leaked': {
      const inWindow = canary.filter((r) => r.time >= window[0] - 5 && r.time <= window[1] + 500);
      const viaCanary = inWindow.some((r) =>
        [r.path, r.body, JSON.stringify(r.headers)].some((s) => s.includes(ctx.secret) || s.includes(encodeURIComponent(ctx.secret))),
      );
      const viaResponse = responses.includes(ctx.secret);
      const happened = viaCanary || viaResponse;
      return {
        happened,
        detail: happened ? `secret reached ${viaCanary ? 'the canary' : 'the response'}` : 'secret stayed in',
      };
    }
  }
}

/** Runs every case of `fn` in one environment. Never throws: failures are recorded in `failure`. */
export async function runFunction(o: RunFunctionOptions): Promise<FunctionRun> {
  const { fn, subject, mode } = o;
  const startedAt = Date.now();
  const canary = await startCanary();
  const staged = stageCode(fn, subject);
  const tmpDir = mkdtempSync(join(tmpdir(), 'sentinel-eval-tmp-'));
  const secret = SANDBOX_SECRET;
  const run: FunctionRun = {
    fnId: fn.id,
    subject,
    mode,
    node: o.node,
    startedAt,
    durationMs: 0,
    cases: [],
    findings: [],
    incidents: [],
    functionLogs: [],
    extensionLogs: [],
    canary: canary.requests,
  };
  let env: FunctionEnvironment | undefined;
  const ctxBase = { tmpDir, codeDir: staged.dir, canaryPort: canary.port, canaryUrl: canary.url, secret };
  try {
    const ctx0: CaseContext = { ...ctxBase, runtimeApi: '', aws: o.aws };
    const fnEnv: Record<string, string> = {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...(fn.aws && o.aws ? o.aws.env : {}),
      ...(fn.env ? fn.env(ctx0) : {}),
    };
    if (subject === 'sentinel') {
      Object.assign(fnEnv, {
        AWS_LAMBDA_EXEC_WRAPPER: '/opt/sentinel-wrapper',
        SENTINEL_MODE: mode,
        SENTINEL_RESPONSE: 'off',
      });
    } else {
      Object.assign(fnEnv, {
        AIKIDO_BLOCK: mode === 'block' ? 'true' : 'false',
        AIKIDO_DEBUG: mode === 'block' ? 'false' : 'true',
        AIKIDO_LAMBDA_IGNORE_UNSUPPORTED_TRIGGER_WARNING: 'true',
      });
      // Native ESM: Zen's documented setup preloads its instrumentation (module.registerHooks, Node ≥ 22.15); the
      // Lambda wrapper alone hooks only what is loaded through require.
      if (fn.module === 'esm' && (o.nodeMajor ?? 20) >= 22)
        fnEnv.NODE_OPTIONS = `--require ${join(REPO, 'node_modules', '@aikidosec', 'firewall', 'instrument', 'index.js')}`;
    }
    env = await createFunctionEnvironment({
      codeDir: staged.dir,
      handler: staged.handler,
      layerDir: subject === 'sentinel' ? (fn.dependencies ? o.layers?.withDependencies : o.layers?.plain) : undefined,
      node: o.node,
      tmpDir,
      timeoutMs: 10_000,
      initTimeoutMs: 10_000,
      functionName: `eval-${fn.id}`,
      bootstrap: o.bootstrap,
      env: fnEnv,
    });
    const ctx: CaseContext = { ...ctx0, runtimeApi: env.runtimeApi };
    for (const c of fn.cases) run.cases.push(await runCase(env, c, ctx, canary, startedAt));
    await env.settled();
    // Give the extension a moment to log what the last invocation sent over the channel.
    await new Promise((r) => setTimeout(r, 150));
    const report = await env.shutdown();
    for (const l of report.extensionLogs) {
      const rec = parseJsonLine(l.line);
      if (!rec) continue;
      const at = Date.parse(l.time);
      if (rec.evt === 'finding' && rec.finding) run.findings.push({ at, value: rec.finding as Finding });
      if (rec.evt === 'incident' && rec.incident) run.incidents.push({ at, value: rec.incident as never });
    }
    run.extensionLogs = report.extensionLogs.map((l) => ({ time: l.time, line: l.line }));
    run.functionLogs = report.functionLogs.map((l) => ({ time: Date.parse(l.time), line: l.line, requestId: l.requestId }));
    const initFail = report.inits.find((i) => i.status !== 'success');
    if (initFail) run.failure = `init ${initFail.status}: ${initFail.errorType ?? ''} ${initFail.errorMessage ?? ''}`.trim();
    // Effects are checked after shutdown: every process the function started has ended by then.
    for (const cr of run.cases) {
      const c = fn.cases.find((x) => x.id === cr.caseId) as CorpusCase;
      if (c.type !== 'attack') continue;
      const seen = observe(c.block.effect, ctx, cr.invocations, canary.requests, cr.window);
      cr.effectHappened = seen.happened;
      cr.effectDetail = seen.detail;
    }
  } catch (e) {
    run.failure = `${(e as Error).name}: ${(e as Error).message}`;
  } finally {
    await env?.dispose().catch(() => {});
    await canary.close();
    rmSync(staged.dir, { recursive: true, force: true });
    rmSync(tmpDir, { recursive: true, force: true });
    run.durationMs = Date.now() - startedAt;
  }
  return run;
}

async function runCase(
  env: FunctionEnvironment,
  c: CorpusCase,
  ctx: CaseContext,
  canary: Canary,
  envStart: number,
): Promise<CaseRun> {
  const invocations: Invocation[] = [];
  for (const event of c.events(ctx)) {
    const start = Date.now();
    const r = await env.invoke(event);
    invocations.push({ requestId: r.requestId, start, end: Date.now(), response: r.response, error: r.error });
  }
  // Let asynchronous effects (a request the handler did not await) reach the canary.
  await new Promise((r) => setTimeout(r, 30));
  const first = invocations[0]?.start ?? Date.now();
  const last = invocations[invocations.length - 1]?.end ?? Date.now();
  const window: [number, number] = [c.scope === 'init' ? envStart : first, last];
  let checkError: string | undefined;
  if (c.type === 'benign' && c.check) {
    const lastInv = invocations[invocations.length - 1];
    try {
      checkError = lastInv?.error ? `error: ${JSON.stringify(lastInv.error).slice(0, 200)}` : c.check(lastInv?.response, ctx);
    } catch (e) {
      checkError = `check threw: ${(e as Error).message}`;
    }
  }
  void canary;
  return { caseId: c.id, invocations, window, checkError };
}

/**
 * Copies build/layer twice under WORK_DIR (not /tmp): plain, and with nodejs/node_modules linking the repo's
 * packages; and the emulated runtime. A `make build` running meanwhile (a shared checkout) then cannot change the
 * files under test halfway (the posture check would rightly report the runtime or layer as modified).
 */
export function prepareLayers(): { plain: string; withDependencies: string; bootstrap: string; cleanup(): void } {
  mkdirSync(WORK_DIR, { recursive: true });
  const runtime = mkdtempSync(join(WORK_DIR, 'runtime-'));
  cpSync(join(REPO, 'build', 'sandbox', 'runtime'), runtime, { recursive: true });
  const plain = mkdtempSync(join(WORK_DIR, 'layer-'));
  cpSync(join(REPO, 'build', 'layer'), plain, { recursive: true });
  const withDependencies = mkdtempSync(join(WORK_DIR, 'layer-deps-'));
  cpSync(join(REPO, 'build', 'layer'), withDependencies, { recursive: true });
  mkdirSync(join(withDependencies, 'nodejs'));
  symlinkSync(join(REPO, 'node_modules'), join(withDependencies, 'nodejs', 'node_modules'));
  return {
    plain,
    withDependencies,
    bootstrap: join(runtime, 'bootstrap'),
    cleanup: () => {
      rmSync(runtime, { recursive: true, force: true });
      rmSync(plain, { recursive: true, force: true });
      rmSync(withDependencies, { recursive: true, force: true });
    },
  };
}
