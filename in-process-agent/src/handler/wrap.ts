/**
 * Wraps the user's handler: per invocation it sends inv_start/inv_end, runs the handler inside the invocation
 * context (request id, phase, event), refuses the invocation when quarantined, and afterwards checks the agent's
 * hooks, the handler's identity and the built-in prototypes. The wrapper keeps the handler's arity, async-ness
 * and streaming markers, so the runtime applies exactly its own rules to it (callback handlers on Node 20/22,
 * their rejection on Node 24).
 */

import type { QuarantineInfo } from '../../../protocol/channel';
import { Invocation } from '../context/invocation';
import type { Agent } from '../core/agent';
import { verifyHooks } from '../hooks/integrity';
import { PrototypeWatch } from '../hooks/pollution';
import { type AnyFn, disguise } from '../hooks/registry';
import { describeReplacement } from '../posture/identity';
import { refusal } from './refusal';

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

export interface WrapOptions {
  /** Reads the handler as the module exports it now (to notice a swapped handler). */
  currentExport?: () => unknown;
  label?: string;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

export function wrapHandler(agent: Agent, user: AnyFn, opts: WrapOptions = {}): AnyFn {
  const streaming = (user as unknown as Record<symbol, unknown>)[HANDLER_STREAMING] === 'response';
  const isAsync = Object.getPrototypeOf(user)?.[Symbol.toStringTag] === 'AsyncFunction';
  const prototypes = new PrototypeWatch();
  let swapReported = false;
  let started = false;
  let counter = 0;
  let lastStats = '';

  /**
   * The after-invocation work runs off the invoke path: at the end of the event-loop turn in which the handler
   * finished (setImmediate), i.e. right after the runtime has sent the response and before it asks for the next
   * event. Its findings still carry this invocation's request id.
   */
  const after = (inv: Invocation, outcome: 'success' | 'error' | 'refused'): void => {
    const ts = Date.now();
    setImmediate(afterNow, inv, outcome, ts);
  };
  const afterNow = (inv: Invocation, outcome: 'success' | 'error' | 'refused', ts: number): void => {
    agent.emitSoon({ t: 'inv_end', requestId: inv.requestId, ts, outcome });
    agent.context.run(inv, () => {
      try {
        verifyHooks(agent);
        for (const c of prototypes.changes()) {
          agent.reportVerdict(
            {
              category: 'prototype_pollution',
              kind: 'builtin_prototype_modified',
              severity: 'high',
              confidence: 'high',
              title: `${c.proto} gained own properties: ${c.keys.slice(0, 5).join(', ')}`,
              details: { prototype: c.proto, keys: c.keys.slice(0, 10).join(',') },
            },
            'invocation',
            c.keys.slice(0, 8),
            [],
          );
        }
        const current = !swapReported && opts.currentExport ? opts.currentExport() : user;
        if (current !== user) {
          swapReported = true;
          agent.reportVerdict(
            {
              category: 'integrity',
              kind: 'handler_swapped',
              severity: 'critical',
              confidence: 'high',
              title: `the exported handler ${opts.label ?? ''} was replaced after load`,
              details: { handler: (opts.label ?? '').slice(0, 120), ...describeReplacement(current, user) },
            },
            'invocation',
            [],
            [],
          );
        }
        const stats = `${agent.channelStats().dropped}|${agent.internalErrors}|${agent.droppedFindings}`;
        if (stats !== lastStats && stats !== '0|0|0') {
          lastStats = stats;
          agent.emitSoon({
            t: 'stats',
            dropped: agent.channelStats().dropped + agent.droppedFindings,
            internalErrors: agent.internalErrors,
            queued: agent.channelStats().queued,
          });
        }
      } catch (e) {
        agent.internalError(e, 'after-invocation');
      }
    });
    // Outside agent.context.run: the posture pass runs later, on its own (in the serial context the invocation is
    // still current then).
    agent.posture?.afterInvocation(inv.requestId);
  };

  function invoke(this: unknown, args: unknown[]): unknown {
    const event = args[0];
    const context = (streaming ? args[2] : args[1]) as { awsRequestId?: unknown } | undefined;
    const requestId =
      typeof context?.awsRequestId === 'string' ? context.awsRequestId : `local-${process.pid}-${++counter}`;
    const inv = new Invocation(requestId, event);
    try {
      if (!started) {
        started = true;
        prototypes.snapshot(); // baseline after init: libraries may extend prototypes while loading
        // Hooks replaced during init are reported before the first invocation (no request id). Later checks run
        // after each invocation, off the invoke path: a replacement between two invocations is reported with the
        // request id of the next one.
        verifyHooks(agent);
      }
      agent.refreshSecretsIfStale();
      // Written at the end of this turn together with inv_end when the handler finishes in it (one write, one
      // wake-up of the extension), else at the handler's first await.
      agent.emitSoon({ t: 'inv_start', requestId, ts: Date.now() });
    } catch (e) {
      agent.internalError(e, 'before-invocation');
    }
    const quarantine: QuarantineInfo | undefined = agent.quarantine;
    if (quarantine) {
      // Entered like any invocation: what runs meanwhile belongs to this request, not the one before.
      const r = agent.context.begin(inv, () => refusal(event, quarantine));
      after(inv, 'refused');
      return r.error ? Promise.reject(r.error) : Promise.resolve(r.response);
    }
    let ended = false;
    const end = (outcome: 'success' | 'error') => {
      if (ended) return;
      ended = true;
      after(inv, outcome);
    };
    // Only a handler that declares the callback can end through it (a shorter one ends with its return value or
    // promise), so only then is the runtime's callback wrapped (a disguised wrapper per invocation costs µs).
    const cbIndex = streaming || user.length < 3 ? -1 : 2;
    if (cbIndex >= 0 && typeof args[cbIndex] === 'function') {
      const cb = args[cbIndex] as AnyFn;
      args[cbIndex] = disguise(function (this: unknown, ...r: unknown[]) {
        end(r[0] === null || r[0] === undefined ? 'success' : 'error');
        return cb.apply(this, r);
      }, cb);
    }
    let result: unknown;
    try {
      result = agent.context.begin(inv, () => user.apply(this, args));
    } catch (e) {
      end('error');
      throw e;
    }
    if (isThenable(result)) {
      Promise.resolve(result).then(
        () => end('success'),
        () => end('error'),
      );
    } else if (user.length < 3 || streaming) {
      end('success');
    }
    return result;
  }

  const wrapper: AnyFn = isAsync
    ? async function (this: unknown, ...args: unknown[]) {
        return invoke.call(this, args);
      }
    : function (this: unknown, ...args: unknown[]) {
        return invoke.call(this, args);
      };
  return disguise(wrapper, user);
}
