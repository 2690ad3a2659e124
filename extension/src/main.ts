/**
 * Entry of the Sentinel extension bundle (`build/layer/sentinel/extension.cjs`), started by the launcher
 * `layer/extensions/sentinel`. Keep imports lean: everything here is on the cold-start path.
 */
import * as path from 'node:path';
import { runExtension } from './lifecycle/extension';
import { createResponder } from './respond';

// Fail open: an unexpected error must never take the extension (and with it the environment) down.
process.on('uncaughtException', (e) => {
  process.stdout.write(
    `${JSON.stringify({ level: 'error', ext: 'sentinel', evt: 'internal_error', err: String(e?.message ?? e).slice(0, 300) })}\n`,
  );
});
process.on('unhandledRejection', (e) => {
  process.stdout.write(
    `${JSON.stringify({ level: 'error', ext: 'sentinel', evt: 'internal_error', err: String((e as Error)?.message ?? e).slice(0, 300) })}\n`,
  );
});

runExtension({
  env: process.env,
  argv: process.argv.slice(2),
  // The bundle sits in <layer>/sentinel/extension.cjs.
  layerRoot: path.resolve(__dirname, '..'),
  makeResponder: (ctx) => createResponder(ctx),
  exit: (code) => process.exit(code),
}).then(
  (code) => process.exit(code),
  () => process.exit(1),
);
