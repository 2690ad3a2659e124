/**
 * RIC 3.x's callback programming model: the `callback(err, result)` argument and the
 * `context.succeed/fail/done` / `callbackWaitsForEmptyEventLoop` members. Only the first call counts.
 * With `callbackWaitsForEmptyEventLoop` (the default) the result is posted once the event loop drains.
 */
import { beforeExit } from './before-exit';
import type { StructuredConsole } from './log-patch';

export interface InvocationReporter {
  /** Serialises synchronously (throws on failure, like the runtime) and posts; then calls `next`. */
  postResponse(result: unknown, next: () => void): void;
  postError(error: unknown, next: () => void): void;
}

export type NodeCallback = (err?: unknown, result?: unknown) => void;

export interface CallbackContext {
  callbackWaitsForEmptyEventLoop: boolean;
  succeed(result?: unknown): void;
  fail(err?: unknown): void;
  done(err?: unknown, result?: unknown): void;
}

export function buildCallbackContext(
  reporter: InvocationReporter,
  structured: StructuredConsole,
  scheduleNext: () => void,
): { callback: NodeCallback; context: CallbackContext; markCompleted: () => void } {
  const postError = (err: unknown, next: () => void) => {
    structured.logError('Invoke Error', err);
    reporter.postError(err, next);
  };
  let completeInvoked = false;
  const complete = (result: unknown, next: () => void) => {
    if (completeInvoked) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    completeInvoked = true;
    reporter.postResponse(result, next);
  };
  let waitForEmptyEventLoop = true;

  const rawCallback: NodeCallback = (err, result) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      beforeExit.set(() => setImmediate(() => complete(result, scheduleNext)));
    }
  };
  const done = (err?: unknown, result?: unknown) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) postError(err, scheduleNext);
    else complete(result, scheduleNext);
  };

  // The first call of any of these wins; a call that throws (e.g. unserialisable result) does not count.
  let finished = false;
  const once =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      if (finished) return;
      fn(...args);
      finished = true;
    };

  const context: CallbackContext = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value: boolean) {
      waitForEmptyEventLoop = value;
    },
    succeed: once((result?: unknown) => done(null, result)),
    fail: once((err?: unknown) => (err === undefined || err === null ? done('handled') : done(err, null))),
    done: once(done),
  };
  return {
    callback: once(rawCallback),
    context,
    markCompleted: () => {
      completeInvoked = true;
    },
  };
}
