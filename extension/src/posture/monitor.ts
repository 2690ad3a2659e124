/**
 * Cold-start posture of one execution environment, entirely in the extension (off the function's process):
 * environment variable exposure, the layer manifest, background hashes of the handler's code and the runtime,
 * the code baseline across cold starts (incident table), re-checks on an interval and at SHUTDOWN, and one
 * posture record per cold start that also carries what the agent reported (`agent_posture`).
 *
 * Nothing here is awaited by the event loop: `start()` returns at once; `hold()` slows the background work while
 * an INVOKE is handled; `shutdown()` is bounded by the deadline it is given.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import type { SentinelConfig } from '../../../protocol/config';
import type { Finding, Phase } from '../../../protocol/finding';
import { errorInfo, withRetry } from '../record/aws';
import { TTL_ATTRIBUTE } from '../record/keys';
import { type Baseline, BaselineStore } from './baseline';
import {
  type IdentityRead,
  isSettled,
  judgeChange,
  readIdentity,
  type StoredIdentity,
  shortSha,
} from './code-identity';
import { diffHashes, type FileChange } from './diff';
import { type ExposureSummary, scanEnvironment } from './env-exposure';
import {
  changeFindings,
  codeDeployedFinding,
  codeUnverifiedFinding,
  exposureFinding,
  manifestFindings,
  type TreeName,
} from './findings';
import { posturePk, postureRecordSk } from './keys';
import { type ManifestCheck, verifyManifest } from './manifest';
import { Pacer } from './pacer';
import { environmentKey, loadPostureKey, type PostureKey } from './posture-key';
import { agentRoots, ownRoots, procRoots, type Roots } from './roots';
import { hashesOf, hashTree, type TreeHash, type TreeLimits } from './tree-hash';

export interface PostureOptions {
  env: NodeJS.ProcessEnv;
  layerRoot: string;
  extensionName: string;
  functionName: string;
  functionVersion: string;
  environmentId: string;
  config: SentinelConfig;
  log: Logger;
  /** Where findings go (the responder, or a queue until it exists). */
  report(f: Finding): void;
  /** Whether an agent is expected: the record then waits for its `agent_posture` (until SHUTDOWN at most). */
  expectAgent: boolean;
  ddb?: () => DynamoDBDocumentClient;
  cloudwatch?: () => CloudWatchClient;
  /** GetFunctionConfiguration, to tell a deploy (CodeSha256 changed) from tampering when the baseline differs. */
  lambda?: () => LambdaClient;
  /** When this environment started (ms); default: this process's start. */
  envStartMs?: number;
  pacer?: Pacer;
  limits?: Partial<TreeLimits>;
}

type BaselineState =
  | 'created'
  | 'match'
  | 'mismatch'
  | 'replaced'
  | 'deployed'
  | 'unverified'
  | 'unavailable'
  | 'off'
  | 'pending';

/** The control plane's CodeSha256 as the record shows it (short), or why it could not be read. */
type CodeSummary =
  | { codeSha256: string; previous?: string; lastModified: string; revisionId: string; settled: boolean }
  | { error: string };

interface TreeSummary {
  root: string | null;
  files: number;
  bytes: number;
  ms: number;
  skipped: number;
  truncated: boolean;
  digest: string | null;
}

/** Budget for the table calls of the cold-start part (they run in the background). */
const TABLE_BUDGET_MS = 5000;
/** Share of the SHUTDOWN budget the re-check may use, and its cap. */
const SHUTDOWN_SHARE = 0.3;
const SHUTDOWN_CAP_MS = 600;
/** Invocations after which the record is written without the agent's part. */
const AGENT_WAIT_INVOKES = 3;
/** How long SHUTDOWN waits for the posture record's PutItem. */
const STORE_WAIT_MS = 300;

function summarizeTree(t: TreeHash | undefined, root: string | undefined): TreeSummary {
  if (!t) return { root: root ?? null, files: 0, bytes: 0, ms: 0, skipped: 0, truncated: false, digest: null };
  return {
    root: t.root,
    files: t.files.size,
    bytes: t.bytes,
    ms: t.ms,
    skipped: t.skipped.unreadable + t.skipped.special + t.skipped.tooLarge,
    truncated: t.truncated,
    digest: t.digest,
  };
}

export class PostureMonitor {
  readonly pacer: Pacer;
  private key?: PostureKey;
  private envSummary?: ExposureSummary;
  private manifest?: ManifestCheck;
  private roots?: Roots;
  private task?: TreeHash;
  private runtime?: TreeHash;
  private baseline: BaselineState = 'pending';
  private code?: CodeSummary;
  private coldStartDone = false;
  private violations = 0;
  private rechecks = 0;
  private agentData?: Record<string, unknown>;
  private resolveRoots?: (r: Roots) => void;
  private helloPid?: number;
  private started?: Promise<void>;
  private checking = false;
  private interval?: NodeJS.Timeout;
  private emitted = false;
  private storeWrite?: Promise<void>;
  private readonly t0 = Date.now();
  private invokes = 0;
  private openTableGate: () => void = () => {};
  private readonly tableGate = new Promise<void>((r) => {
    this.openTableGate = r;
  });

  constructor(private readonly o: PostureOptions) {
    this.pacer = o.pacer ?? new Pacer();
  }

  /** Starts the cold-start analysis in the background. */
  start(): void {
    this.started = this.coldStart().catch((e: Error) => {
      this.o.log.error({ evt: 'posture', err: e.message.slice(0, 200) }, 'posture analysis failed');
      this.coldStartDone = true;
    });
    const s = this.o.config.integrityIntervalS;
    if (s > 0) {
      this.interval = setInterval(() => void this.recheck('interval', Date.now() + s * 500, true), s * 1000);
      this.interval.unref();
    }
  }

  /** Marks an INVOKE in flight (background work slows down) until the returned function is called. */
  hold(): () => void {
    return this.pacer.hold();
  }

  onAgentHello(pid: number | undefined): void {
    this.helloPid = pid;
    if (this.resolveRoots && pid !== undefined)
      void procRoots(pid).then((r) => {
        if (r.taskRoot) this.resolveRoots?.(r);
      });
  }

  onAgentRecord(kind: string, data: Record<string, unknown>): void {
    if (kind !== 'agent_posture') return;
    if (this.agentData) {
      this.o.log.info({ evt: 'posture_update', agent: data }, 'agent posture update');
      return;
    }
    this.agentData = data;
    const r = agentRoots(data);
    if (r.taskRoot) this.resolveRoots?.(r);
    this.maybeEmit();
  }

  /** Bounded: re-checks what it can before the deadline, then writes the posture record if not yet written. */
  async shutdown(deadlineMs: number): Promise<void> {
    if (this.interval) clearInterval(this.interval);
    this.resolveRoots?.({ source: 'none' });
    this.openTableGate();
    const until = Date.now() + Math.min(SHUTDOWN_CAP_MS, Math.max(0, (deadlineMs - Date.now()) * SHUTDOWN_SHARE));
    // A short-lived environment may still be in its cold-start part: let it finish within the budget.
    if (!this.coldStartDone && this.started) await Promise.race([this.started, sleep(Math.max(0, until - Date.now()))]);
    if (this.coldStartDone) await this.recheck('shutdown', until, false);
    this.emit('shutdown');
    if (this.storeWrite)
      await Promise.race([this.storeWrite, sleep(Math.min(STORE_WAIT_MS, Math.max(0, deadlineMs - Date.now())))]);
  }

  private async coldStart(): Promise<void> {
    const { config, log } = this.o;
    const table = config.incidentTable && this.o.ddb ? config.incidentTable : undefined;
    // Without a table nothing waits: the environment key is local.
    if (!table) this.scanEnv(environmentKey());

    this.manifest = await verifyManifest(this.o.layerRoot, this.o.extensionName, this.pacer);
    const mf = manifestFindings(this.manifest);
    this.violations += mf.length;
    for (const f of mf) this.o.report(f);

    this.roots = await this.findRoots();
    if (this.roots.taskRoot)
      this.task = await hashTree(this.roots.taskRoot, { pacer: this.pacer, limits: this.o.limits });
    if (this.roots.runtimeDir)
      this.runtime = await hashTree(this.roots.runtimeDir, { pacer: this.pacer, limits: this.o.limits });

    if (table && this.o.ddb) {
      // Loading the AWS SDK blocks this thread for ~100-200 ms: never during init, where it would delay the agent's
      // welcome (and with it its first heartbeats). The gate opens after the first INVOKE's turnaround, or at SHUTDOWN.
      await this.tableGate;
      const key = await loadPostureKey(this.o.ddb, table, this.o.functionName, Date.now() + TABLE_BUDGET_MS);
      if (key.error)
        log.warn(
          { evt: 'aws_error', op: 'posture_key', error: key.error },
          'posture key unavailable; hashes are per environment',
        );
      this.scanEnv(key);
    }
    if (!this.task) this.baseline = 'unavailable';
    else if (!table || !this.o.ddb) this.baseline = 'off';
    else
      await this.compareBaseline(
        new BaselineStore({
          ddb: this.o.ddb,
          table,
          functionName: this.o.functionName,
          version: this.o.functionVersion,
          ttlDays: config.incidentTtlDays,
        }),
        this.task,
      );
    this.coldStartDone = true;
    this.maybeEmit();
  }

  private scanEnv(key: PostureKey): void {
    this.key = key;
    const { exposures, summary } = scanEnvironment(this.o.env, (v) => key.hash(v));
    this.envSummary = summary;
    for (const e of exposures) this.o.report(exposureFinding(e, key.scope));
  }

  /**
   * An INVOKE has been handled. After the first, table work (and with it the AWS SDK load) may start; after
   * AGENT_WAIT_INVOKES without the agent's record (agent off, or an attach mode that sends none), the record is
   * written without it instead of waiting for SHUTDOWN.
   */
  afterInvoke(): void {
    this.invokes++;
    this.openTableGate();
    if (this.invokes >= AGENT_WAIT_INVOKES && !this.agentData && this.coldStartDone && this.envSummary)
      this.emit('no_agent_record');
  }

  private async findRoots(): Promise<Roots> {
    const own = await ownRoots(this.o.env);
    if (own.taskRoot) return own;
    // Wait for the agent (hello pid or its record); resolved with `none` at SHUTDOWN at the latest.
    const fromAgent = this.agentData ? agentRoots(this.agentData) : undefined;
    if (fromAgent?.taskRoot) return fromAgent;
    if (this.helloPid !== undefined) {
      const fromProc = await procRoots(this.helloPid);
      if (fromProc.taskRoot) return fromProc;
    }
    if (!this.o.expectAgent) return own;
    return new Promise<Roots>((resolve) => {
      this.resolveRoots = (r) => {
        this.resolveRoots = undefined;
        resolve(r);
      };
    });
  }

  private get envStartMs(): number {
    return this.o.envStartMs ?? Math.round(performance.timeOrigin);
  }

  /** The control plane's description of this version's code (recorded either way). */
  private async identity(deadline: number): Promise<IdentityRead> {
    const r: IdentityRead = this.o.lambda
      ? await readIdentity({
          lambda: this.o.lambda,
          functionName: this.o.functionName,
          version: this.o.functionVersion,
          envStartMs: this.envStartMs,
          deadline,
        })
      : { ok: false, reason: 'no Lambda client' };
    this.code = r.ok ? { ...r.id, codeSha256: shortSha(r.id.codeSha256), settled: r.settled } : { error: r.reason };
    if (!r.ok && this.o.lambda)
      this.o.log.warn({ evt: 'aws_error', op: 'posture_code_identity', error: r.reason }, 'code identity unavailable');
    return r;
  }

  private async compareBaseline(store: BaselineStore, task: TreeHash): Promise<void> {
    const deadline = Date.now() + TABLE_BUDGET_MS;
    const cur = hashesOf(task);
    const mine = (id: IdentityRead): Baseline => ({
      files: cur,
      complete: !task.truncated,
      digest: task.digest,
      createdAt: new Date().toISOString(),
      environmentId: this.o.environmentId,
      ...(id.ok ? { code: { ...id.id, settled: id.settled } satisfies StoredIdentity } : {}),
    });
    try {
      const base = await store.load(deadline);
      if (!base) {
        await store.save(mine(await this.identity(deadline)), deadline);
        this.baseline = 'created';
        return;
      }
      const changes = diffHashes(base.files, cur, { oldComplete: base.complete, curComplete: !task.truncated });
      if (changes.length === 0) {
        this.baseline = 'match';
        // Stored during an update; this environment started long after it, runs the same files: the pairing holds.
        if (base.code && !base.code.settled && isSettled(this.o.functionVersion, base.code, this.envStartMs))
          await store.markSettled(base, deadline);
        return;
      }
      const id = await this.identity(deadline);
      const verdict = judgeChange({ version: this.o.functionVersion, stored: base.code, current: id });
      if (verdict.kind === 'deployed') {
        if (this.code && 'codeSha256' in this.code) this.code.previous = shortSha(verdict.old);
        this.o.report(
          codeDeployedFinding({
            old: shortSha(verdict.old),
            new: shortSha(verdict.new),
            lastModified: id.ok ? id.id.lastModified : '',
            revisionId: id.ok ? id.id.revisionId : '',
            changes: changes.length,
            baselineAt: base.createdAt,
          }),
        );
        await store.save(mine(id), deadline);
        this.baseline = 'deployed';
        return;
      }
      if (verdict.kind === 'unverified') {
        this.o.report(
          codeUnverifiedFinding(changes, {
            reason: verdict.reason,
            baselineAt: base.createdAt,
            ...(id.ok ? { codeSha256: shortSha(id.id.codeSha256) } : {}),
          }),
        );
        if (verdict.replace) await store.save(mine(id), deadline);
        this.baseline = 'unverified';
        return;
      }
      this.report(changeFindings('task', changes, 'baseline', 'init', { baselineAt: base.createdAt }));
      // A published version's code is immutable: its baseline stays. `$LATEST`: after reporting once, the current
      // code becomes the baseline (one finding per change, not one per cold start).
      if (this.o.functionVersion === '$LATEST') {
        await store.save(mine(id), deadline);
        this.baseline = 'replaced';
      } else this.baseline = 'mismatch';
    } catch (e) {
      this.baseline = 'unavailable';
      this.o.log.warn({ evt: 'aws_error', op: 'posture_baseline', error: errorInfo(e) }, 'code baseline unavailable');
    }
  }

  /** Re-hashes the trees (stat-based unless `full`) and the manifest (`full` only); reports what changed. */
  private async recheck(why: 'interval' | 'shutdown', deadline: number, full: boolean): Promise<void> {
    if (this.checking || !this.coldStartDone) return;
    this.checking = true;
    const phase: Phase = why === 'shutdown' ? 'shutdown' : 'unknown';
    try {
      this.rechecks++;
      for (const [name, prev] of [
        ['task', this.task],
        ['runtime', this.runtime],
      ] as [TreeName, TreeHash | undefined][]) {
        if (!prev || Date.now() >= deadline) continue;
        const next = await hashTree(prev.root, {
          pacer: this.pacer,
          limits: this.o.limits,
          previous: prev,
          rehashAll: full,
          deadline,
        });
        const changes: FileChange[] = diffHashes(hashesOf(prev), hashesOf(next), {
          oldComplete: !prev.truncated,
          curComplete: !next.truncated,
        });
        if (changes.length > 0) this.report(changeFindings(name, changes, 'environment', phase, { check: why }));
        // The next check compares with this state: one finding per change, not one per check.
        if (name === 'task') this.task = next;
        else this.runtime = next;
      }
      if (full && Date.now() < deadline) {
        const m = await verifyManifest(this.o.layerRoot, this.o.extensionName, this.pacer);
        if (m.state !== this.manifest?.state || m.modified.length !== (this.manifest?.modified.length ?? 0))
          this.report(manifestFindings(m));
        this.manifest = m;
      }
    } catch (e) {
      this.o.log.warn(
        { evt: 'posture', err: (e as Error).message.slice(0, 200), check: why },
        'integrity re-check failed',
      );
    } finally {
      this.checking = false;
    }
  }

  private report(fs: Finding[]): void {
    this.violations += fs.length;
    for (const f of fs) this.o.report(f);
  }

  private maybeEmit(): void {
    if (this.coldStartDone && this.envSummary && (this.agentData || !this.o.expectAgent)) this.emit('complete');
  }

  /** The posture record of this cold start (once). */
  record(): Record<string, unknown> {
    const m = this.manifest;
    const integrityStatus =
      this.violations > 0
        ? 'violation'
        : !this.coldStartDone
          ? 'partial'
          : !this.task && !m
            ? 'unavailable'
            : this.task?.truncated
              ? 'partial'
              : 'ok';
    return {
      v: 1,
      function: this.o.functionName,
      version: this.o.functionVersion,
      environmentId: this.o.environmentId,
      time: new Date().toISOString(),
      sinceStartMs: Date.now() - this.t0,
      env: this.envSummary
        ? { ...this.envSummary, hashScope: this.key?.scope ?? 'environment' }
        : { status: 'pending' },
      integrity: {
        status: integrityStatus,
        violations: this.violations,
        rechecks: this.rechecks,
        manifest: m
          ? {
              state: m.state,
              reason: m.reason,
              files: m.files,
              modified: m.modified.length,
              missing: m.missing,
              unlisted: m.unlisted,
              ms: m.ms,
            }
          : { state: 'pending' },
        rootsFrom: this.roots?.source ?? 'pending',
        task: {
          ...summarizeTree(this.task, this.roots?.taskRoot),
          baseline: this.baseline,
          ...(this.code ? { code: this.code } : {}),
        },
        runtime: summarizeTree(this.runtime, this.roots?.runtimeDir),
        pausedMs: Math.round(this.pacer.pausedMs),
      },
      agent: this.agentData ?? null,
    };
  }

  private emit(when: 'complete' | 'no_agent_record' | 'shutdown'): void {
    if (this.emitted) return;
    this.emitted = true;
    const rec = { ...this.record(), emittedAt: when };
    this.o.log.info({ evt: 'posture', posture: rec }, 'posture');
    this.emitMetrics(rec);
    const table = this.o.config.incidentTable;
    if (table && this.o.ddb) this.storeWrite = this.store(table, rec);
  }

  private emitMetrics(rec: Record<string, unknown>): void {
    const { config, log } = this.o;
    const modules = (this.agentData?.modules as { count?: unknown } | undefined)?.count;
    const values: Record<string, number> = {
      PostureSecrets: this.envSummary?.secrets ?? 0,
      IntegrityViolations: this.violations,
    };
    if (typeof modules === 'number' && Number.isFinite(modules)) values.ModulesLoaded = modules;
    if (config.metrics === 'emf')
      log.info(
        {
          evt: 'metrics',
          _aws: {
            Timestamp: Date.now(),
            CloudWatchMetrics: [
              {
                Namespace: config.metricsNamespace,
                Dimensions: [['FunctionName']],
                Metrics: Object.keys(values).map((Name) => ({ Name, Unit: 'Count' })),
              },
            ],
          },
          FunctionName: this.o.functionName,
          ...values,
        },
        'metrics',
      );
    else if (config.metrics === 'api' && this.o.cloudwatch) {
      const cw = this.o.cloudwatch;
      const { PutMetricDataCommand } =
        require('@aws-sdk/client-cloudwatch') as typeof import('@aws-sdk/client-cloudwatch');
      const at = new Date(String(rec.time));
      void withRetry(
        (abortSignal) =>
          cw().send(
            new PutMetricDataCommand({
              Namespace: config.metricsNamespace,
              MetricData: Object.entries(values).map(([MetricName, Value]) => ({
                MetricName,
                Value,
                Unit: 'Count',
                Timestamp: at,
                Dimensions: [{ Name: 'FunctionName', Value: this.o.functionName }],
              })),
            }),
            { abortSignal },
          ),
        { deadline: Date.now() + TABLE_BUDGET_MS, maxAttempts: 3 },
      ).catch((e) =>
        log.warn({ evt: 'aws_error', op: 'PutMetricData', error: errorInfo(e) }, 'posture metrics not sent'),
      );
    }
  }

  private async store(table: string, rec: Record<string, unknown>): Promise<void> {
    const ddb = this.o.ddb as () => DynamoDBDocumentClient;
    const { PutCommand } = require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb');
    const time = String(rec.time);
    try {
      await withRetry(
        (abortSignal) =>
          ddb().send(
            new PutCommand({
              TableName: table,
              Item: {
                ...rec,
                type: 'posture',
                pk: posturePk(this.o.functionName, this.o.functionVersion),
                sk: postureRecordSk(time, this.o.environmentId),
                [TTL_ATTRIBUTE]: Math.floor(Date.parse(time) / 1000) + this.o.config.incidentTtlDays * 86_400,
              },
            }),
            { abortSignal },
          ),
        { deadline: Date.now() + TABLE_BUDGET_MS, maxAttempts: 4 },
      );
    } catch (e) {
      this.o.log.warn({ evt: 'aws_error', op: 'posture_record', error: errorInfo(e) }, 'posture record not stored');
    }
  }

  /** For tests: resolves when the cold-start part is done. */
  async settled(): Promise<void> {
    await this.started;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
