/**
 * The agent's side of the findings channel (protocol/channel.ts). Never blocks the event loop: messages go to a
 * bounded queue (oldest dropped and counted when full), the socket is unref'd so it never keeps the process alive,
 * and lost connections are retried with capped exponential backoff. A `refused` answer (another client owns the
 * channel) stops the retries.
 */
import type * as net from 'node:net';
import {
  type AgentMessage,
  channelSocketPath,
  encodeFrame,
  FrameDecoder,
  type HelloMsg,
  PROTOCOL_VERSION,
  type QuarantineInfo,
} from '../../../protocol/channel';

export interface ChannelClientOptions {
  socketPath?: string;
  hello: Omit<HelloMsg, 't' | 'v'>;
  maxQueue?: number;
  /** Raw connect, captured before the agent's own network hooks were installed. */
  connect?: (socket: net.Socket, path: string) => void;
  onQuarantine?: (q: QuarantineInfo | undefined) => void;
  onError?: (e: unknown) => void;
}

type State = 'idle' | 'connecting' | 'hello_sent' | 'ready' | 'refused' | 'closed';

export class ChannelClient {
  private socket: net.Socket | undefined;
  private state: State = 'idle';
  private readonly queue: Buffer[] = [];
  /** Messages of `sendSoon`, encoded and written together at the end of this event-loop turn (held by reference:
   *  callers pass fresh objects and never change them). */
  private readonly soon: AgentMessage[] = [];
  private soonTimer: NodeJS.Immediate | undefined;
  private exitHooked = false;
  private readonly maxQueue: number;
  private backoffMs = 50;
  private timer: NodeJS.Timeout | undefined;
  dropped = 0;
  sent = 0;
  refusedReason: string | undefined;

  constructor(private readonly opts: ChannelClientOptions) {
    this.maxQueue = opts.maxQueue ?? 512;
  }

  get connected(): boolean {
    return this.state === 'ready';
  }

  get queued(): number {
    return this.queue.length + this.soon.length;
  }

  start(): void {
    if (!this.exitHooked) {
      // Frames still waiting for the end of the turn go out when the process exits (the write is synchronous).
      this.exitHooked = true;
      process.once('exit', () => this.flushSoon());
    }
    if (this.state === 'idle') this.connect();
  }

  /** Queues a message; it is written as soon as the channel is ready. Oversized frames are dropped and counted. */
  send(msg: AgentMessage): void {
    const frame = this.encode(msg);
    if (!frame) return;
    // Order is kept: frames waiting for the end of the turn go first.
    if (this.soon.length > 0) this.flushSoon();
    this.enqueue(frame);
  }

  /**
   * Like `send`, but written at the end of this event-loop turn together with the other frames sent meanwhile
   * (heartbeats): one socket write and one wake-up of the extension instead of one per message, and nothing on
   * the invoke path. A later `send` (a finding) writes them first, so the order is kept.
   */
  sendSoon(msg: AgentMessage): void {
    if (this.state === 'refused' || this.state === 'closed') {
      this.dropped++;
      return;
    }
    if (this.soon.length >= this.maxQueue) {
      this.soon.shift();
      this.dropped++;
    }
    this.soon.push(msg);
    if (!this.soonTimer) {
      this.soonTimer = setImmediate(this.onSoon);
      this.soonTimer.unref();
    }
  }

  private readonly onSoon = (): void => {
    this.soonTimer = undefined;
    this.flushSoon();
  };

  /** Writes (or queues) the frames of `sendSoon` now, as one write when the channel is ready. */
  private flushSoon(): void {
    if (this.soon.length === 0) return;
    const frames: Buffer[] = [];
    for (const msg of this.soon) {
      const frame = this.encode(msg);
      if (frame) frames.push(frame);
    }
    this.soon.length = 0;
    if (frames.length === 0) return;
    if (this.state === 'ready' && this.socket && this.queue.length === 0) {
      this.sent += frames.length - 1;
      this.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
      return;
    }
    for (const frame of frames) this.enqueue(frame);
  }

  private encode(msg: AgentMessage): Buffer | undefined {
    try {
      return encodeFrame(msg);
    } catch {
      this.dropped++;
      return undefined;
    }
  }

  private enqueue(frame: Buffer): void {
    if (this.state === 'ready' && this.socket && this.queue.length === 0) {
      this.write(frame);
      return;
    }
    if (this.state === 'refused' || this.state === 'closed') {
      this.dropped++;
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(frame);
  }

  close(): void {
    this.state = 'closed';
    if (this.timer) clearTimeout(this.timer);
    if (this.soonTimer) clearImmediate(this.soonTimer);
    this.soonTimer = undefined;
    this.dropped += this.soon.length;
    this.soon.length = 0;
    this.socket?.destroy();
    this.socket = undefined;
  }

  private write(frame: Buffer): void {
    this.sent++;
    this.socket?.write(frame);
  }

  private connect(): void {
    this.state = 'connecting';
    const socketPath = this.opts.socketPath ?? channelSocketPath();
    // Loaded lazily: `net` costs milliseconds of startup and the preload must stay tiny.
    const { Socket } = require('node:net') as typeof net;
    const socket = new Socket();
    this.socket = socket;
    const decoder = new FrameDecoder('extension');
    socket.on('error', () => {
      /* handled by 'close' */
    });
    socket.on('close', () => this.onClose(socket));
    socket.on('connect', () => {
      if (this.socket !== socket) return;
      this.state = 'hello_sent';
      socket.write(encodeFrame({ t: 'hello', v: PROTOCOL_VERSION, ...this.opts.hello }));
    });
    socket.on('data', (chunk: Buffer) => {
      for (const ev of decoder.push(chunk)) {
        if (ev.kind !== 'message') continue;
        this.onMessage(ev.msg);
      }
      if (decoder.fatal) socket.destroy();
    });
    try {
      if (this.opts.connect) this.opts.connect(socket, socketPath);
      else socket.connect(socketPath);
      socket.unref();
    } catch (e) {
      this.opts.onError?.(e);
      this.scheduleReconnect();
    }
  }

  private onMessage(msg: Record<string, unknown> & { t: string }): void {
    switch (msg.t) {
      case 'welcome': {
        this.state = 'ready';
        this.backoffMs = 50;
        const q = msg.quarantine as QuarantineInfo | undefined;
        this.opts.onQuarantine?.(q && typeof q === 'object' ? q : undefined);
        this.flush();
        break;
      }
      case 'refused':
        this.state = 'refused';
        this.refusedReason = String(msg.reason ?? '');
        this.dropped += this.queue.length + this.soon.length;
        this.queue.length = 0;
        this.soon.length = 0;
        this.socket?.destroy();
        break;
      case 'quarantine':
        this.opts.onQuarantine?.((msg.quarantine as QuarantineInfo) ?? { incidentId: '', reason: '', time: '' });
        break;
      case 'release':
        this.opts.onQuarantine?.(undefined);
        break;
    }
  }

  private flush(): void {
    while (this.state === 'ready' && this.queue.length > 0) {
      const frame = this.queue.shift();
      if (frame) this.write(frame);
    }
  }

  private onClose(socket: net.Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    if (this.state === 'refused' || this.state === 'closed') return;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.state = 'idle';
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 5000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.state === 'idle') this.connect();
    }, delay);
    this.timer.unref();
  }
}
