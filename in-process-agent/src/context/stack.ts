/**
 * Stack attribution without touching user-visible state: call sites are captured with our own
 * `prepareStackTrace` (user code may have replaced the global one, e.g. source-map-support) and
 * restored at once. Used only when a finding is built or an eval origin must be checked.
 */
import * as path from 'node:path';

export interface Frame {
  file: string;
  line: number;
  column: number;
  isEval: boolean;
  evalOrigin?: string;
}

/** Directory of the agent bundle (or of the agent sources under test): frames in it are ours. */
const AGENT_DIR = typeof __dirname === 'string' ? path.resolve(__dirname, '..') : '';
const LAYER_BUNDLE = /[/\\]sentinel[/\\](agent(-core|-lazy)?\.cjs|shim\.mjs)$/;

function isInternal(file: string): boolean {
  return file.startsWith('node:') || file.startsWith('internal/') || file === 'native' || file === '';
}

export function isAgentFile(file: string): boolean {
  return (
    LAYER_BUNDLE.test(file) ||
    (AGENT_DIR !== '' && file.startsWith(AGENT_DIR + path.sep) && file.includes('in-process-agent'))
  );
}

function captureSites(limit: number): NodeJS.CallSite[] {
  const prevPrepare = Error.prepareStackTrace;
  const prevLimit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = (_e, s) => s;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, captureSites);
    return (holder.stack as NodeJS.CallSite[]) ?? [];
  } finally {
    Error.prepareStackTrace = prevPrepare;
    Error.stackTraceLimit = prevLimit;
  }
}

/**
 * The first frame among the top `limit` that runs code evaluated from a string, or undefined. Only `isEval()` is
 * asked of the other frames (file and line positions are the expensive part of a call site).
 */
export function evalFrameOnStack(limit: number): Frame | undefined {
  for (const s of captureSites(limit)) if (s.isEval()) return toFrame(s);
  return undefined;
}

function toFrame(s: NodeJS.CallSite): Frame {
  const isEval = s.isEval();
  let file = s.getFileName() ?? '';
  if (file.startsWith('file://')) file = decodeURIComponent(file.slice(7));
  return {
    file,
    line: s.getLineNumber() ?? 0,
    column: s.getColumnNumber() ?? 0,
    isEval,
    evalOrigin: isEval ? (s.getEvalOrigin() ?? undefined) : undefined,
  };
}

/** Captures up to `limit` frames of the current stack (agent and node internal frames included). */
export function captureFrames(limit = 40): Frame[] {
  return captureSites(limit).map(toFrame);
}

/** First frame that is neither the agent nor Node internals (code evaluated from strings counts as user code). */
export function firstUserFrame(frames: readonly Frame[]): Frame | undefined {
  for (const f of frames) {
    if (f.isEval) return f;
    if (isInternal(f.file) || isAgentFile(f.file)) continue;
    return f;
  }
  return undefined;
}

/** The npm package name of a file inside node_modules (`@scope/name` or `name`), else undefined. */
export function packageOf(file: string): string | undefined {
  const marker = `${path.sep}node_modules${path.sep}`;
  const i = file.lastIndexOf(marker);
  if (i < 0) return undefined;
  const rest = file.slice(i + marker.length).split(path.sep);
  if (rest[0]?.startsWith('@') && rest.length > 1) return `${rest[0]}/${rest[1]}`;
  return rest[0] || undefined;
}

/** File/line of an `eval at ...` origin, e.g. "eval at run (/var/task/index.js:3:10), <anonymous>". */
export function evalOriginLocation(origin: string): string | undefined {
  const m = /\(([^()]+):(\d+):(\d+)\)/.exec(origin);
  return m ? `${m[1]}:${m[2]}` : undefined;
}

export interface Attribution {
  package?: string;
  location?: string;
  /** Set when the operation was performed by code evaluated from a string (eval / Function / vm). */
  evalFrame?: Frame;
  /** The first user frame lies inside this root (e.g. the runtime's own directory). */
  file?: string;
}

export function attribute(frames: readonly Frame[]): Attribution {
  const f = firstUserFrame(frames);
  const evalFrame = frames.find((x) => x.isEval);
  if (!f) return { evalFrame };
  const file = f.isEval ? (evalOriginLocation(f.evalOrigin ?? '')?.replace(/:\d+$/, '') ?? f.file) : f.file;
  return {
    package: packageOf(file),
    location: f.isEval ? (evalOriginLocation(f.evalOrigin ?? '') ?? `${f.file}:${f.line}`) : `${f.file}:${f.line}`,
    evalFrame,
    file,
  };
}

/**
 * Attribution straight from the current stack, converting only the frames it needs (file names are cheap to read,
 * line positions are not): the same result as `attribute(captureFrames())` at a fraction of the cost.
 */
export function attributeHere(limit = 40): Attribution {
  let evalFrame: Frame | undefined;
  let user: Frame | undefined;
  for (const s of captureSites(limit)) {
    if (s.isEval()) {
      evalFrame ??= toFrame(s);
      user ??= evalFrame;
      break;
    }
    if (user) continue;
    let file = s.getFileName() ?? '';
    if (file.startsWith('file://')) file = decodeURIComponent(file.slice(7));
    if (isInternal(file) || isAgentFile(file)) continue;
    user = toFrame(s);
    // An eval frame deeper down still matters (code from a string called this library).
  }
  return attribute(
    user ? [user, ...(evalFrame && evalFrame !== user ? [evalFrame] : [])] : evalFrame ? [evalFrame] : [],
  );
}

export function isUnder(file: string, root: string): boolean {
  if (!root) return false;
  const r = root.endsWith(path.sep) ? root : root + path.sep;
  return file === root || file.startsWith(r);
}

/** Packages of the AWS SDK (v3 and its Smithy core, v2): they read credentials and config by design. */
const AWS_SDK_PACKAGE = /^(@aws-sdk\/|@smithy\/|@aws-crypto\/|aws-sdk$)/;

export function isAwsSdkPackage(pkg: string | undefined): boolean {
  return pkg !== undefined && AWS_SDK_PACKAGE.test(pkg);
}
