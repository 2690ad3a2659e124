/**
 * Entry of the emulated managed Node.js runtime (like /var/runtime/index.mjs), started by bootstrap.sh.
 * Node 24 and later follow RIC 4.x (nodejs24.x); Node 20 and 22 follow RIC 3.x (nodejs20.x, nodejs22.x).
 * Layout and environment contract: README.md in this folder.
 */
import { runRic3 } from './ric3-runtime';
import { runRic4 } from './ric4-runtime';

const major = Number(process.versions.node.split('.')[0]);

if (major >= 24) {
  // Left unhandled on purpose: RIC 4.x has no rejection handler, so Node reports it and exits 1.
  void runRic4(process.env);
} else {
  runRic3(process.env).catch((err: unknown) => {
    // The real index.mjs awaits run() at top level, which turns a rejection into an uncaught exception.
    setImmediate(() => {
      throw err;
    });
  });
}
