/**
 * The evaluation corpus format (docs/contracts.md, section "Evaluation"). A corpus function is a small Lambda
 * function (its own code dir) with cases: each case is one or more invocations of that function (attack or benign
 * events on the same code path), what Sentinel must report for it, and the observable effect that block mode must
 * prevent. `scripts/eval/` runs every function once per mode × Node runtime, in one warm environment.
 */
import type { Category, Severity } from '../../protocol/finding';

export type Technique = 'T1' | 'T2' | 'T3' | 'T4' | 'T5' | 'T6' | 'T7' | 'T8' | 'T9' | 'T10' | 'T11' | 'T12' | 'T13';

export type Trigger =
  | 'apigw-v1'
  | 'apigw-v2'
  | 'function-url'
  | 'alb'
  | 'sqs'
  | 'sns'
  | 's3'
  | 'eventbridge'
  | 'dynamodb-stream'
  | 'direct';

/** What the runner knows when it builds a case's events (after the environment exists). */
export interface CaseContext {
  /** The environment's /tmp (TMPDIR), created by the runner, so markers can be checked from outside. */
  tmpDir: string;
  /** The function's code dir (LAMBDA_TASK_ROOT). */
  codeDir: string;
  /** Loopback canary HTTP server: every request is recorded (path, body) and answered `{"ok":true}`. */
  canaryPort: number;
  /** `http://127.0.0.1:<canaryPort>` */
  canaryUrl: string;
  /** AWS_LAMBDA_RUNTIME_API of the environment (`127.0.0.1:<port>`). */
  runtimeApi: string;
  /** The environment's AWS_SECRET_ACCESS_KEY (the sandbox's fake platform credential; must never reach the canary or a response). */
  secret: string;
  /** For functions with `aws: true`: a topic and a queue created in the local stand-ins. */
  aws?: { topicArn: string; queueUrl: string };
}

/** The observable effect of an attack: it must happen in monitor mode and must NOT happen in block mode. */
export type Effect =
  /** A file the attack writes (path relative to the environment's /tmp) must not exist. */
  | { kind: 'file_written'; file: string }
  /** A marker file (relative to /tmp) written by the process the attack starts must not exist. */
  | { kind: 'process_started'; file: string }
  /** The content of the file the attack reads (this token) must not appear in the invocation's response. */
  | { kind: 'file_read'; token: string }
  /** The canary server must not receive a request whose path starts with `path`. */
  | { kind: 'connection'; path: string }
  /** The environment's AWS_SECRET_ACCESS_KEY must reach neither the canary (path, headers, body) nor the response. */
  | { kind: 'secret_leaked' };

/** One finding Sentinel must report for an attack case. */
export interface Expected {
  category: Category;
  minSeverity: Severity;
  /** Exact finding kind, when the case is about one kind. */
  kind?: string;
  /** JSON path prefix of the event input the finding must name (`finding.input.path`), e.g. `$.body`. */
  inputPath?: string;
}

export interface CaseBase {
  /** Unique across the corpus, e.g. `api-v1-files/traversal`. */
  id: string;
  title: string;
  trigger: Trigger;
  /** The events, invoked in order in the function's warm environment (usually one). */
  events: (ctx: CaseContext) => unknown[];
  /**
   * `invoke` (default): findings must carry one of the case's request ids. `init`: the case is about the cold
   * start (supply-chain code at require time, configuration persistence): findings of phase `init` (or with no
   * request id) count; the events only make the environment start.
   */
  scope?: 'invoke' | 'init';
}

export interface AttackCase extends CaseBase {
  type: 'attack';
  techniques: Technique[];
  /** Every entry must be matched by some finding of the case (category, severity ≥ min, kind, input path). */
  expect: Expected[];
  /**
   * Block mode: `effect` must not happen and some expected finding must say `blocked: true`. `blockable: false`
   * means Sentinel cannot stop it before it runs (it is seen after the fact); `reason` says why, and the effect
   * is then only reported, never asserted absent.
   */
  block: { effect?: Effect; blockable: true } | { effect?: Effect; blockable: false; reason: string };
}

export interface BenignCase extends CaseBase {
  type: 'benign';
  /** Optional check of the response, so a benign case proves the function really did its work. */
  check?: (response: unknown, ctx: CaseContext) => string | undefined;
}

export type CorpusCase = AttackCase | BenignCase;

export interface CorpusFunction {
  /** Directory name under test/corpus/functions/. */
  id: string;
  /** What kind of real function this stands for. */
  description: string;
  module: 'cjs' | 'esm';
  /** `_HANDLER`, e.g. `index.handler`. */
  handler: string;
  /** Function configuration (SENTINEL_EXEC_ALLOW, SENTINEL_EGRESS_ALLOW, app settings). */
  env?: (ctx: CaseContext) => Record<string, string>;
  /** Local AWS stand-ins the function talks to through the standard AWS_ENDPOINT_URL_* variables. */
  aws?: boolean;
  /** `nodejs/node_modules` in the layer links the repo's node_modules (AWS SDK v3, like a dependency layer). */
  dependencies?: boolean;
  /** A function with only benign cases (a "real team" function) must produce no finding at all, init included. */
  benignOnly?: boolean;
  cases: CorpusCase[];
}

/** A technique that no event-driven corpus case can show, and where it is covered instead. */
export interface TechniqueNote {
  technique: Technique;
  note: string;
}
