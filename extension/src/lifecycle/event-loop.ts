/**
 * The extension's event loop. After INVOKE it calls event/next again only when the work that must not be frozen
 * is done: the request's platform.runtimeDone has arrived (bounded by SENTINEL_RUNTIMEDONE_WAIT_MS, and by the
 * invocation deadline) and `responder.beforeNext` has settled (bounded by SENTINEL_URGENT_WAIT_MS).
 * On SHUTDOWN it runs the shutdown procedure and returns.
 */
import type { Logger } from 'pino';
import type { Responder } from '../pipeline';
import { monotonicMs, settleWithin } from '../util/timing';
import type { ExtensionEvent } from './extensions-api';
import type { RuntimeDoneWaiter } from './runtime-done-waiter';
import type { SampleWindow } from './sample-window';

export interface EventLoopDeps {
  next(): Promise<ExtensionEvent>;
  responder: Responder;
  /** Undefined when the telemetry subscription failed: nothing to wait for then. */
  runtimeDone?: RuntimeDoneWaiter;
  runtimeDoneWaitMs: number;
  urgentActionWaitMs: number;
  log: Logger;
  /** INVOKE received → next event/next, without the wait for runtimeDone (ms). */
  turnaround: SampleWindow;
  onInvoke?(requestId: string): void;
  /** Called right before the event/next that follows an INVOKE. */
  onInvokeDone?(requestId: string): void;
  onShutdown(deadlineMs: number, reason: string): Promise<void>;
}

/** Consecutive event/next failures tolerated before giving up (the platform is gone or broken). */
const MAX_NEXT_FAILURES = 3;

export async function runEventLoop(d: EventLoopDeps): Promise<{ reason: string }> {
  let failures = 0;
  for (;;) {
    let ev: ExtensionEvent;
    try {
      ev = await d.next();
      failures = 0;
    } catch (e) {
      failures++;
      d.log.error({ evt: 'lifecycle', err: (e as Error).message, failures }, 'event/next failed');
      if (failures >= MAX_NEXT_FAILURES) throw e;
      await new Promise((r) => setTimeout(r, 50 * failures));
      continue;
    }
    if (ev.eventType === 'SHUTDOWN') {
      const reason = String(ev.shutdownReason ?? 'unknown').toLowerCase();
      await d.onShutdown(ev.deadlineMs, reason);
      return { reason };
    }
    await handleInvoke(d, ev.requestId, ev.deadlineMs);
  }
}

async function handleInvoke(d: EventLoopDeps, requestId: string, deadlineMs: number): Promise<void> {
  const t0 = monotonicMs();
  d.onInvoke?.(requestId);
  let waited = 0;
  if (d.runtimeDone) {
    const w0 = monotonicMs();
    // Never hold the invocation past its deadline for our own bookkeeping.
    const ms = Math.min(d.runtimeDoneWaitMs, Math.max(0, deadlineMs - Date.now()));
    const seen = await d.runtimeDone.waitFor(requestId, ms);
    waited = monotonicMs() - w0;
    if (!seen) d.log.debug({ requestId, waitedMs: Math.round(waited) }, 'runtimeDone not seen before event/next');
  }
  const r = await settleWithin(d.responder.beforeNext(requestId), d.urgentActionWaitMs);
  if (!r.ok)
    d.log.warn(
      { evt: 'lifecycle', requestId, reason: r.reason },
      'responder.beforeNext did not finish before event/next',
    );
  d.turnaround.add(monotonicMs() - t0 - waited);
  d.onInvokeDone?.(requestId);
}
