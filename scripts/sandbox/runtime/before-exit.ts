/**
 * RIC 3.x's single `beforeExit` action, kept under a global symbol: what to do when the event loop drains
 * during an invocation (post the callback result, or report a never-settled promise).
 */
const LISTENER = Symbol.for('aws.lambda.beforeExit');
const NOOP = (): void => {};

type Globals = Record<symbol, () => void>;
const g = globalThis as unknown as Globals;

export const beforeExit = {
  invoke: (): void => g[LISTENER]?.(),
  reset: (): void => {
    g[LISTENER] = NOOP;
  },
  set: (listener: () => void): void => {
    g[LISTENER] = listener;
  },
};
