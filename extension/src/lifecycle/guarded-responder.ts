/**
 * The Responder contract says "never throws"; this wrapper makes sure a broken responder cannot take the extension
 * (and with it the customer's environment) down: errors are counted and logged, rate-limited.
 */
import type { RateLimitedLog } from '../log/rate-limited-log';
import type { Responder } from '../pipeline';
import type { Counters } from '../util/counters';

export function guardResponder(inner: Responder, counters: Counters, warn: RateLimitedLog): Responder {
  const fail = (where: string, e: unknown) => {
    counters.inc('responder_errors');
    warn.warn('responder_error', { where, err: (e as Error)?.message?.slice(0, 200) }, 'responder threw; continuing');
  };
  return {
    onFinding(f) {
      try {
        inner.onFinding(f);
      } catch (e) {
        fail('onFinding', e);
      }
    },
    onInvocation(s) {
      try {
        inner.onInvocation(s);
      } catch (e) {
        fail('onInvocation', e);
      }
    },
    async beforeNext(id) {
      try {
        await inner.beforeNext(id);
      } catch (e) {
        fail('beforeNext', e);
      }
    },
    async shutdown(deadlineMs) {
      try {
        await inner.shutdown(deadlineMs);
      } catch (e) {
        fail('shutdown', e);
      }
    },
  };
}
