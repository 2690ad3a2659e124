/**
 * The findings channel, extension side: a Unix socket in a private directory (0700, socket 0600), created before
 * the extension registers. The first connection that completes `hello` owns the channel; a connection arriving
 * while another one holds it gets `refused`, is closed and becomes a tamper finding (`integrity`/`second_client`).
 *
 * Hostile input never stops the server: oversize frames close that connection; bad JSON, bad shapes and unknown
 * types are counted and skipped; a peer that does not say `hello` within HELLO_TIMEOUT_MS is dropped; a flood
 * of findings is shed by a token bucket. Log lines about refusals are rate-limited.
 *
 * Memory bound: one owner/claimant decoder (≤ MAX_FRAME_BYTES + one chunk), refused sockets are destroyed at once
 * (≤ MAX_CONNECTIONS open), at most MAX_PENDING_WRITE_BYTES queued towards the agent.
 */
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Logger } from 'pino';
import {
  type ExtensionMessage,
  encodeFrame,
  FrameDecoder,
  HELLO_TIMEOUT_MS,
  PROTOCOL_VERSION,
  type QuarantineInfo,
} from '../../../protocol/channel';
import { type Finding, parseFinding } from '../../../protocol/finding';
import { extensionFinding } from '../findings/extension-finding';
import type { RateLimitedLog } from '../log/rate-limited-log';
import type { Counters } from '../util/counters';
import { TokenBucket } from '../util/token-bucket';

const MAX_CONNECTIONS = 16;
const MAX_PENDING_WRITE_BYTES = 64 * 1024;

export interface AgentInfo {
  pid?: number;
  node?: string;
  agentVersion?: string;
  attach?: string;
}

export interface ChannelHandlers {
  /** A validated finding from the agent (source forced to `agent`). */
  onFinding(f: Finding): void;
  /** A finding the channel itself produced (second client, reconnect). */
  onTamper(f: Finding): void;
  onHeartbeat(kind: 'start' | 'end', requestId: string): void;
  onAgentStats?(stats: { dropped: number; internalErrors: number; queued: number }): void;
  onRecord?(kind: string, data: Record<string, unknown>): void;
  /** The agent completed `hello` (posture: finds the runtime's roots from its pid). */
  onHello?(agent: AgentInfo): void;
}

export interface ChannelServerOptions {
  socketPath: string;
  handlers: ChannelHandlers;
  counters: Counters;
  warn: RateLimitedLog;
  log: Logger;
  quarantine?: QuarantineInfo;
  helloTimeoutMs?: number;
  /** Findings accepted per second from the agent (burst = 4×). */
  findingsPerSecond?: number;
}

interface Conn {
  socket: net.Socket;
  decoder: FrameDecoder;
  state: 'pending' | 'owner';
  helloTimer?: NodeJS.Timeout;
}

/** Creates the private directory, or throws when it exists with the wrong type or owner (someone pre-created it). */
export function preparePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid())
    throw new Error(`${dir} is owned by uid ${st.uid}`);
  chmodSync(dir, 0o700); // mkdir's mode is filtered by the umask; and a pre-existing dir may have been looser
}

export class ChannelServer {
  private claimant?: Conn;
  private hadOwner = false;
  private quarantine?: QuarantineInfo;
  private readonly findingBucket: TokenBucket;
  private readonly tamperBucket = new TokenBucket(1 / 6, 5); // ≤ 5 refused-client findings at once, then 10/min
  agent?: AgentInfo;

  private constructor(
    private readonly server: net.Server,
    private readonly opts: ChannelServerOptions,
  ) {
    this.quarantine = opts.quarantine;
    const fps = opts.findingsPerSecond ?? 100;
    this.findingBucket = new TokenBucket(fps, fps * 4);
  }

  static async start(opts: ChannelServerOptions): Promise<ChannelServer> {
    preparePrivateDir(path.dirname(opts.socketPath));
    try {
      unlinkSync(opts.socketPath); // stale socket of an earlier environment (the tmp dir survives resets)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const server = net.createServer();
    const cs = new ChannelServer(server, opts);
    server.maxConnections = MAX_CONNECTIONS;
    server.on('connection', (s) => cs.onConnection(s));
    // Past MAX_CONNECTIONS node closes new connections itself; count them (they are refused clients too).
    server.on('drop', () => opts.counters.inc('channel_connections_over_limit'));
    server.on('error', (e) => opts.log.error({ err: e.message }, 'findings channel server error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(opts.socketPath, 0o600);
    return cs;
  }

  get connected(): boolean {
    return this.claimant?.state === 'owner';
  }

  /** Sends a command to the agent; false when no agent is connected or its socket is not draining. */
  send(msg: ExtensionMessage): boolean {
    if (msg.t === 'quarantine') this.quarantine = msg.quarantine;
    if (msg.t === 'release') this.quarantine = undefined;
    const c = this.claimant;
    if (c?.state !== 'owner' || c.socket.destroyed) return false;
    if (c.socket.writableLength > MAX_PENDING_WRITE_BYTES) {
      this.opts.counters.inc('channel_write_dropped');
      return false;
    }
    c.socket.write(encodeFrame(msg));
    return true;
  }

  close(): Promise<void> {
    const c = this.claimant;
    if (c) {
      clearTimeout(c.helloTimer);
      c.socket.destroy();
    }
    return new Promise((resolve) => {
      this.server.close(() => {
        try {
          unlinkSync(this.opts.socketPath);
        } catch {
          // already gone
        }
        resolve();
      });
    });
  }

  private onConnection(socket: net.Socket): void {
    const { counters, warn } = this.opts;
    socket.on('error', () => counters.inc('channel_socket_error'));
    if (this.claimant) {
      this.refuseSecondClient(socket);
      return;
    }
    const conn: Conn = { socket, decoder: new FrameDecoder('agent'), state: 'pending' };
    this.claimant = conn;
    conn.helloTimer = setTimeout(() => {
      counters.inc('channel_hello_timeout');
      warn.warn(
        'channel_hello_timeout',
        { timeoutMs: this.opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS },
        'channel peer sent no hello in time; dropped',
      );
      this.drop(conn);
    }, this.opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('close', () => this.onClose(conn));
  }

  private refuseSecondClient(socket: net.Socket): void {
    this.opts.counters.inc('channel_refused_clients');
    try {
      socket.end(encodeFrame({ t: 'refused', reason: 'channel already owned' }));
    } catch {
      // peer already gone
    }
    // Do not read anything from it; make sure it cannot linger.
    setTimeout(() => socket.destroy(), 100).unref();
    if (this.tamperBucket.take()) {
      this.opts.handlers.onTamper(
        extensionFinding({
          category: 'integrity',
          kind: 'second_client',
          severity: 'critical',
          title:
            'A second client connected to the findings channel (refused): something is impersonating or racing the agent',
          details: { refusedSoFar: this.opts.counters.get('channel_refused_clients') },
        }),
      );
    } else this.opts.counters.inc('channel_refused_findings_suppressed');
  }

  private drop(conn: Conn): void {
    clearTimeout(conn.helloTimer);
    conn.socket.destroy();
    if (this.claimant === conn) this.claimant = undefined;
  }

  private onClose(conn: Conn): void {
    clearTimeout(conn.helloTimer);
    if (this.claimant !== conn) return;
    this.claimant = undefined;
    if (conn.state === 'owner') {
      this.opts.counters.inc('channel_agent_disconnected');
      this.opts.log.warn({ evt: 'channel', state: 'disconnected' }, 'agent disconnected from the findings channel');
    }
  }

  private onData(conn: Conn, chunk: Buffer): void {
    const { counters, warn } = this.opts;
    for (const ev of conn.decoder.push(chunk)) {
      if (conn.socket.destroyed) return;
      if (ev.kind === 'error') {
        counters.inc(`channel_frame_${ev.error}`);
        warn.warn(`channel_frame_${ev.error}`, { detail: ev.detail, state: conn.state }, 'refused a channel frame');
        // A stream that cannot be resynchronised, or garbage before hello, ends the connection.
        if (conn.decoder.fatal || conn.state === 'pending') this.drop(conn);
        continue;
      }
      if (conn.state === 'pending') this.onHello(conn, ev.msg);
      else this.onAgentMessage(ev.msg);
    }
  }

  private onHello(conn: Conn, msg: Record<string, unknown> & { t: string }): void {
    const { counters, warn } = this.opts;
    if (msg.t !== 'hello') {
      counters.inc('channel_no_hello');
      warn.warn('channel_no_hello', { t: msg.t }, 'channel peer spoke before hello; dropped');
      this.drop(conn);
      return;
    }
    if (msg.v !== PROTOCOL_VERSION) {
      counters.inc('channel_bad_version');
      warn.warn(
        'channel_bad_version',
        { v: typeof msg.v === 'number' ? msg.v : String(msg.v).slice(0, 20), expected: PROTOCOL_VERSION },
        'channel peer speaks another protocol version; refused',
      );
      conn.socket.end(
        encodeFrame({ t: 'refused', reason: `unsupported protocol version (expected ${PROTOCOL_VERSION})` }),
      );
      clearTimeout(conn.helloTimer);
      if (this.claimant === conn) this.claimant = undefined;
      setTimeout(() => conn.socket.destroy(), 100).unref();
      return;
    }
    clearTimeout(conn.helloTimer);
    conn.state = 'owner';
    this.agent = {
      pid: typeof msg.pid === 'number' ? msg.pid : undefined,
      node: typeof msg.node === 'string' ? msg.node.slice(0, 32) : undefined,
      agentVersion: typeof msg.agentVersion === 'string' ? msg.agentVersion.slice(0, 32) : undefined,
      attach: typeof msg.attach === 'string' ? msg.attach.slice(0, 16) : undefined,
    };
    this.opts.log.info(
      { evt: 'channel', state: 'connected', agent: this.agent },
      'agent connected to the findings channel',
    );
    this.opts.handlers.onHello?.(this.agent);
    const welcome: ExtensionMessage = { t: 'welcome', v: PROTOCOL_VERSION };
    if (this.quarantine) welcome.quarantine = this.quarantine;
    conn.socket.write(encodeFrame(welcome));
    if (this.hadOwner) {
      this.opts.handlers.onTamper(
        extensionFinding({
          category: 'integrity',
          kind: 'agent_reconnected',
          severity: 'medium',
          confidence: 'medium',
          title: 'The findings channel was claimed again after the agent had disconnected',
          details: { pid: this.agent.pid ?? -1 },
        }),
      );
    }
    this.hadOwner = true;
  }

  private onAgentMessage(msg: Record<string, unknown> & { t: string }): void {
    const { counters, warn, handlers } = this.opts;
    switch (msg.t) {
      case 'inv_start':
      case 'inv_end': {
        const id = msg.requestId;
        if (typeof id !== 'string' || id.length === 0 || id.length > 64) {
          counters.inc('channel_bad_heartbeat');
          warn.warn('channel_bad_heartbeat', {}, 'heartbeat without a valid request id; ignored');
          return;
        }
        handlers.onHeartbeat(msg.t === 'inv_start' ? 'start' : 'end', id);
        return;
      }
      case 'finding': {
        if (!this.findingBucket.take()) {
          counters.inc('channel_findings_shed');
          warn.warn(
            'channel_findings_shed',
            { shed: counters.get('channel_findings_shed') },
            'agent findings arrive faster than the limit; dropping',
          );
          return;
        }
        const parsed = parseFinding(msg.finding);
        if (!parsed.ok) {
          counters.inc('channel_bad_finding');
          warn.warn('channel_bad_finding', { error: parsed.error }, 'refused an invalid finding from the agent');
          return;
        }
        // The agent cannot speak for the extension: attribution stays honest.
        handlers.onFinding({ ...parsed.finding, source: 'agent' });
        return;
      }
      case 'stats': {
        const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
        handlers.onAgentStats?.({
          dropped: n(msg.dropped),
          internalErrors: n(msg.internalErrors),
          queued: n(msg.queued),
        });
        return;
      }
      case 'record': {
        if (
          typeof msg.kind !== 'string' ||
          typeof msg.data !== 'object' ||
          msg.data === null ||
          Array.isArray(msg.data)
        ) {
          counters.inc('channel_bad_record');
          return;
        }
        handlers.onRecord?.(msg.kind.slice(0, 40), msg.data as Record<string, unknown>);
        return;
      }
      case 'hello':
        counters.inc('channel_duplicate_hello');
        return;
    }
  }
}
