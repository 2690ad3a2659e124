/**
 * The agent's state and its one decision point. Hooks describe an operation (sink, arguments, detectors to run);
 * `check` runs the detectors against the invocation's inputs, reports verdicts as findings, and returns the error
 * to fail the operation with when policy blocks it. Any exception in here is counted and reported, never thrown
 * into user code (fail open, visibly).
 */
import type { AgentMessage, QuarantineInfo } from '../../../protocol/channel';
import { isBlocking, type SentinelConfig } from '../../../protocol/config';
import type { Category, Finding } from '../../../protocol/finding';
import { type Invocation, InvocationContext, resolveContextMode } from '../context/invocation';
import {
  attribute,
  attributeHere,
  captureFrames,
  evalFrameOnStack,
  type Frame,
  isAwsSdkPackage,
  isUnder,
} from '../context/stack';
import type { Roots, Verdict } from '../detectors/types';
import { HookRegistry } from '../hooks/registry';
import type { InputString } from '../input/extract';
import { SentinelBlockedError } from '../policy/blocked-error';
import type { AgentPosture } from '../posture';
import { buildFinding } from '../report/build-finding';

export const AGENT_VERSION = '0.1.0';
/** Findings per invocation (and for the init phase) beyond which further ones are counted as dropped. */
const MAX_FINDINGS_PER_SCOPE = 64;
/** Frames inspected for `eval at` origins on dangerous operations. */
const EVAL_CHECK_DEPTH = 12;
/**
 * Stack captures cost microseconds: operations without any other verdict get the eval-origin check for their first
 * EVAL_CHECKS_PER_SCOPE occurrences per invocation (and outside invocations), not in every iteration of a tight loop.
 */
const EVAL_CHECKS_PER_SCOPE = 64;
/** Verdict kinds that are normal when the AWS SDK performs the operation. */
const SDK_EXPECTED_KINDS = new Set(['credentials_file', 'secret_env_read']);

export interface Secret {
  name: string;
  value: string;
}

export type Detect = (inputs: InputString[]) => Verdict | undefined | (Verdict | undefined)[];

export interface CheckOptions {
  /** Also report when code evaluated from a string (eval / Function / vm) performs this operation. */
  evalOrigin?: boolean;
  /** Verdicts of these categories are not reported when the operation comes from the runtime itself. */
  exemptRuntime?: boolean;
  /** Stack captured earlier (e.g. when the operation started, for checks that run in a later event). */
  frames?: Frame[];
  /** Drop verdicts when no user frame is on the stack (Node itself, e.g. the ESM loader reading sources). */
  requireUserFrame?: boolean;
  /** Report only: the operation can no longer be stopped at this point. */
  noBlock?: boolean;
}

export type Sender = (msg: AgentMessage) => void;

export class Agent {
  readonly context: InvocationContext;
  readonly hooks = new HookRegistry();
  /** Files the function wrote into the tmp dirs; the posture part replaces it with its ledger (also a Set). */
  droppedFiles: Set<string> = new Set<string>();
  /** The posture part (module inventory, tmp ledger), unless SENTINEL_POSTURE=false. */
  posture: AgentPosture | undefined;
  /** > 0 while the agent itself (or an outer hook) is running: nested hooked calls pass straight through. */
  guard = 0;
  internalErrors = 0;
  droppedFindings = 0;
  quarantine: QuarantineInfo | undefined;
  secrets: Secret[] = [];
  private send: Sender = () => {};
  private sendSoon: Sender | undefined;
  /** Counters of the channel client (set once it exists). */
  channelStats: () => { dropped: number; queued: number } = () => ({ dropped: 0, queued: 0 });
  private readonly internalReported = new Set<string>();
  private initFindings = 0;
  private initEvalChecks = 0;
  private readonly evalChecks = new WeakMap<Invocation, number>();
  private readonly findingsPerInvocation = new WeakMap<Invocation, number>();

  constructor(
    readonly config: SentinelConfig,
    readonly roots: Roots,
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.context = new InvocationContext(resolveContextMode(config.context, env));
    this.refreshSecrets();
  }

  /** `sendSoon` batches messages to the end of the event-loop turn (heartbeats); findings always go at once. */
  setSender(send: Sender, sendSoon?: Sender): void {
    this.send = send;
    this.sendSoon = sendSoon;
  }

  emit(msg: AgentMessage): void {
    try {
      this.send(msg);
    } catch (e) {
      this.internalError(e, 'channel.send');
    }
  }

  /** Heartbeats and stats: written with the other messages of this event-loop turn, off the invoke path. */
  emitSoon(msg: AgentMessage): void {
    try {
      (this.sendSoon ?? this.send)(msg);
    } catch (e) {
      this.internalError(e, 'channel.send');
    }
  }

  /** Set by the env hook when a secret variable is assigned or deleted; `envWatched` once that hook is in. */
  secretsStale = true;
  envWatched = false;

  /**
   * Per invocation: re-reads the secret values only when they may have changed (every read of the raw
   * environment object is a getenv call in C++).
   */
  refreshSecretsIfStale(): void {
    if (this.envWatched && !this.secretsStale) return;
    this.secretsStale = false;
    this.refreshSecrets();
  }

  /** Secret values to look for in outbound data (read from the unhooked env object). */
  refreshSecrets(): void {
    const names = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', ...this.config.secretVars];
    const out: Secret[] = [];
    for (const name of names) {
      const value = this.env[name];
      if (typeof value === 'string' && value.length >= 8) out.push({ name, value });
    }
    this.secrets = out;
  }

  /** Runs `detect` for one operation; returns the error to fail it with when blocked, else undefined. */
  check(
    sink: string,
    args: () => readonly string[],
    detect: Detect,
    opts: CheckOptions = {},
  ): SentinelBlockedError | undefined {
    if (this.guard > 0) return undefined;
    this.guard++;
    try {
      const inv = this.context.current();
      const inputs = inv ? inv.correlationInputs((e) => this.internalError(e, 'extractInputs')) : [];
      const raw = detect(inputs);
      let verdicts: Verdict[] = Array.isArray(raw)
        ? raw.filter((v): v is Verdict => v !== undefined)
        : raw
          ? [raw]
          : [];
      const frames: Frame[] | undefined = opts.frames;
      if (opts.evalOrigin) {
        // Evaluated code calls sinks directly or through a few library frames: a short capture keeps this cheap.
        const evalFrame = opts.frames
          ? opts.frames.find((f) => f.isEval)
          : verdicts.length > 0 || this.takeEvalCheck(inv)
            ? evalFrameOnStack(EVAL_CHECK_DEPTH)
            : undefined;
        if (evalFrame) {
          verdicts.push({
            category: 'code_injection',
            kind: 'eval_origin',
            severity: 'high',
            confidence: 'medium',
            title: `code evaluated from a string reached ${sink}`,
            details: { evalOrigin: (evalFrame.evalOrigin ?? '').slice(0, 200) },
          });
        }
      }
      if (verdicts.length === 0) return undefined;
      if (this.posture) for (const v of verdicts) if (v.category === 'dropper') this.posture.enrichDropper(v);
      const attribution = frames ? attribute(frames) : attributeHere();
      if (opts.exemptRuntime !== false && attribution.file && isUnder(attribution.file, this.roots.runtimeDir))
        return undefined;
      if (opts.requireUserFrame && !attribution.file) return undefined;
      // The AWS SDK reads its own credential and config files by design.
      if (isAwsSdkPackage(attribution.package) && !attribution.evalFrame) {
        verdicts = verdicts.filter((v) => !SDK_EXPECTED_KINDS.has(v.kind));
        if (verdicts.length === 0) return undefined;
      }
      const blockCategory = opts.noBlock
        ? undefined
        : verdicts.find((v) => isBlocking(this.config, v.category))?.category;
      const error = blockCategory ? new SentinelBlockedError(blockCategory, inv?.requestId, sink) : undefined;
      const argList = args();
      for (const v of verdicts) {
        this.report(
          buildFinding(v, {
            sink,
            args: argList,
            phase: this.context.phase(),
            requestId: inv?.requestId,
            blocked: error !== undefined,
            attribution,
          }),
          inv,
        );
      }
      return error;
    } catch (e) {
      this.internalError(e, sink);
      return undefined;
    } finally {
      this.guard--;
    }
  }

  private takeEvalCheck(inv: Invocation | undefined): boolean {
    if (!inv) return this.initEvalChecks++ < EVAL_CHECKS_PER_SCOPE;
    const n = this.evalChecks.get(inv) ?? 0;
    this.evalChecks.set(inv, n + 1);
    return n < EVAL_CHECKS_PER_SCOPE;
  }

  /** Reports one verdict that is not tied to a hooked call (integrity, pollution, secrets). */
  reportVerdict(v: Verdict, sink: string, args: readonly string[] = [], frames?: Frame[], blocked = false): void {
    this.guard++;
    try {
      const inv = this.context.current();
      const attribution = attribute(frames ?? captureFrames());
      this.report(
        buildFinding(v, {
          sink,
          args,
          phase: this.context.phase(),
          requestId: inv?.requestId,
          blocked,
          attribution,
        }),
        inv,
      );
    } catch (e) {
      this.internalError(e, `report:${sink}`);
    } finally {
      this.guard--;
    }
  }

  isBlocking(category: Category): boolean {
    return isBlocking(this.config, category);
  }

  /** Counts an agent failure and reports it once per place (category `agent`, kind `internal_error`). */
  internalError(e: unknown, where: string): void {
    this.internalErrors++;
    if (this.internalReported.has(where) || this.internalReported.size > 32) return;
    this.internalReported.add(where);
    try {
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      const finding: Finding = {
        id: `${Date.now().toString(16)}-${Math.random().toString(16).slice(2, 10)}`,
        time: new Date().toISOString(),
        source: 'agent',
        category: 'agent',
        kind: 'internal_error',
        severity: 'low',
        confidence: 'high',
        title: `agent internal error in ${where.slice(0, 80)}`,
        phase: this.context.phase(),
        blocked: false,
        details: { where: where.slice(0, 120), error: message.slice(0, 200) },
      };
      const rid = this.context.current()?.requestId;
      if (rid) finding.requestId = rid;
      this.send({ t: 'finding', finding });
    } catch {
      /* nothing more we can do without risking user code */
    }
  }

  private report(finding: Finding, inv: Invocation | undefined): void {
    // Same verdict through several layers (fetch → undici → socket) is reported once per invocation.
    const key = `${finding.category}|${finding.kind}|${finding.title}`;
    const seen = inv ? inv.reported : this.context.initReported;
    if (seen.has(key)) return;
    const kindKey = `#kind|${finding.category}|${finding.kind}`;
    const count = inv ? (this.findingsPerInvocation.get(inv) ?? 0) : this.initFindings;
    if (count >= MAX_FINDINGS_PER_SCOPE) {
      // Past the budget a flood of one kind must not hide another (test/tamper findings-flood): the first finding
      // of a category/kind not reported yet still goes out (bounded by the number of kinds), and the first drop is
      // reported itself, so exhausting the budget is visible.
      if (seen.has(kindKey)) {
        this.droppedFindings++;
        if (!seen.has('#dropped')) {
          seen.add('#dropped');
          this.emit({ t: 'finding', finding: this.droppedFinding(finding) });
        }
        return;
      }
      seen.add(kindKey);
      seen.add(key);
      this.emit({ t: 'finding', finding });
      return;
    }
    seen.add(key);
    seen.add(kindKey);
    if (inv) this.findingsPerInvocation.set(inv, count + 1);
    else this.initFindings++;
    this.emit({ t: 'finding', finding });
  }

  /** `agent`/`findings_dropped`: this scope's findings budget is exhausted (sent once per scope). */
  private droppedFinding(trigger: Finding): Finding {
    const f: Finding = {
      id: `${Date.now().toString(16)}-${Math.random().toString(16).slice(2, 10)}`,
      time: new Date().toISOString(),
      source: 'agent',
      category: 'agent',
      kind: 'findings_dropped',
      severity: 'medium',
      confidence: 'high',
      title: `more than ${MAX_FINDINGS_PER_SCOPE} findings in one invocation: further findings of kinds already reported are dropped (a flood can hide an attack)`,
      phase: trigger.phase,
      blocked: false,
      details: { budget: MAX_FINDINGS_PER_SCOPE, firstDroppedKind: `${trigger.category}:${trigger.kind}`.slice(0, 80) },
    };
    if (trigger.requestId) f.requestId = trigger.requestId;
    return f;
  }
}

export const AGENT_KEY = Symbol.for('sentinel.agent');
