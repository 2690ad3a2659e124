/**
 * The findings channel between the in-process agent and the extension: one definition for both sides.
 *
 * Transport: a Unix stream socket in a private directory (mode 0700) created by the extension before it
 * registers. Framing: 4-byte big-endian unsigned length, then that many bytes of UTF-8 JSON (one message).
 * The agent's first connection owns the channel; any later connection is refused and reported as tampering.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Finding } from './finding';

export const PROTOCOL_VERSION = 1;
/** Largest accepted frame payload. Larger frames close the connection (and are counted). */
export const MAX_FRAME_BYTES = 64 * 1024;
/** A peer must send `hello` within this time or it is dropped. */
export const HELLO_TIMEOUT_MS = 1000;

/** Directory and socket name. `SENTINEL_CHANNEL_DIR` overrides the directory (tests, unusual sandboxes). */
export function channelDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SENTINEL_CHANNEL_DIR || path.join(os.tmpdir(), '.sentinel');
}
export function channelSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(channelDir(env), 'agent.sock');
}

// ---- agent → extension ----
export interface HelloMsg {
  t: 'hello';
  v: number;
  pid: number;
  node: string;
  agentVersion: string;
  /** How the agent is attached: the exec wrapper + shim, or NODE_OPTIONS preload only. */
  attach: 'wrapper' | 'preload';
  handler?: string;
}
export interface InvokeStartMsg {
  t: 'inv_start';
  requestId: string;
  ts: number;
}
export interface InvokeEndMsg {
  t: 'inv_end';
  requestId: string;
  ts: number;
  outcome: 'success' | 'error' | 'refused';
}
export interface FindingMsg {
  t: 'finding';
  finding: Finding;
}
/** Counters the agent could not deliver as findings (drops, internal errors), sent periodically. */
export interface AgentStatsMsg {
  t: 'stats';
  dropped: number;
  internalErrors: number;
  queued: number;
}
/** Free-form record for the extension (inventory, posture); `kind` names the schema. */
export interface RecordMsg {
  t: 'record';
  kind: string;
  data: Record<string, unknown>;
}
export type AgentMessage = HelloMsg | InvokeStartMsg | InvokeEndMsg | FindingMsg | AgentStatsMsg | RecordMsg;

// ---- extension → agent ----
export interface WelcomeMsg {
  t: 'welcome';
  v: number;
  /** Set when the function is already quarantined at connect time. */
  quarantine?: QuarantineInfo;
}
export interface RefusedMsg {
  t: 'refused';
  reason: string;
}
export interface QuarantineInfo {
  incidentId: string;
  reason: string;
  time: string;
}
export interface QuarantineMsg {
  t: 'quarantine';
  quarantine: QuarantineInfo;
}
export interface ReleaseMsg {
  t: 'release';
}
export type ExtensionMessage = WelcomeMsg | RefusedMsg | QuarantineMsg | ReleaseMsg;

export type AnyMessage = AgentMessage | ExtensionMessage;

const AGENT_TYPES = new Set(['hello', 'inv_start', 'inv_end', 'finding', 'stats', 'record']);
const EXTENSION_TYPES = new Set(['welcome', 'refused', 'quarantine', 'release']);

/** Encodes one message as a frame. Throws RangeError when the payload exceeds MAX_FRAME_BYTES. */
export function encodeFrame(msg: AnyMessage): Buffer {
  const body = Buffer.from(JSON.stringify(msg), 'utf8');
  if (body.length > MAX_FRAME_BYTES) throw new RangeError(`frame of ${body.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

export type DecodeEvent =
  | { kind: 'message'; msg: Record<string, unknown> & { t: string } }
  | { kind: 'error'; error: 'oversize' | 'bad_json' | 'bad_shape' | 'unknown_type'; detail: string };

/**
 * Incremental frame decoder. Feed it chunks; it yields messages and errors. After an `oversize` error the
 * stream cannot be resynchronised and the caller must close the connection (`fatal` becomes true).
 * Memory is bounded by MAX_FRAME_BYTES + one chunk.
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  fatal = false;

  constructor(private readonly accept: 'agent' | 'extension') {}

  push(chunk: Buffer): DecodeEvent[] {
    if (this.fatal) return [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: DecodeEvent[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len > MAX_FRAME_BYTES) {
        this.fatal = true;
        this.buf = Buffer.alloc(0);
        out.push({ kind: 'error', error: 'oversize', detail: `declared frame length ${len} > ${MAX_FRAME_BYTES}` });
        return out;
      }
      if (this.buf.length < 4 + len) break;
      const body = this.buf.subarray(4, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      out.push(this.decodeBody(body));
    }
    return out;
  }

  private decodeBody(body: Buffer): DecodeEvent {
    let v: unknown;
    try {
      v = JSON.parse(body.toString('utf8'));
    } catch (e) {
      return { kind: 'error', error: 'bad_json', detail: (e as Error).message.slice(0, 100) };
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as { t?: unknown }).t !== 'string')
      return { kind: 'error', error: 'bad_shape', detail: 'message must be an object with a string `t`' };
    const t = (v as { t: string }).t;
    const known = this.accept === 'agent' ? AGENT_TYPES : EXTENSION_TYPES;
    if (!known.has(t)) return { kind: 'error', error: 'unknown_type', detail: t.slice(0, 40) };
    return { kind: 'message', msg: v as Record<string, unknown> & { t: string } };
  }
}
