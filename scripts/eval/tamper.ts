/**
 * The tamper suite's interface (built by another part under test/tamper/index.ts, docs/contracts.md "Evaluation").
 * scripts/eval/run.mjs bundles it when present and passes the bundle in EVAL_TAMPER_BUNDLE; without it the eval
 * reports the suite as not available (it is never re-implemented here).
 */
export interface TamperResult {
  id: string;
  title: string;
  outcome: 'detected' | 'blocked' | 'known_limit' | 'missed';
  expected: 'detected' | 'blocked' | 'known_limit';
  /** `category:kind` of the findings Sentinel produced. */
  findings: string[];
  note: string;
}

export interface TamperRow extends TamperResult {
  nodeMajor: number;
  mode: 'monitor' | 'block';
}

export type RunTamperSuite = (opts: {
  layerDir: string;
  node: string;
  nodeVersion: string;
  mode: 'monitor' | 'block';
}) => Promise<TamperResult[]>;

export function loadTamperSuite(): { run?: RunTamperSuite; note: string } {
  const bundle = process.env.EVAL_TAMPER_BUNDLE;
  if (!bundle) return { note: process.env.EVAL_TAMPER_NOTE ?? 'not available: test/tamper/index.ts does not exist' };
  try {
    // biome-ignore lint/suspicious/noExplicitAny: a bundle loaded at run time
    const mod = require(bundle) as any;
    if (typeof mod.runTamperSuite !== 'function') return { note: 'not available: test/tamper/index.ts has no runTamperSuite export' };
    return { run: mod.runTamperSuite as RunTamperSuite, note: 'loaded' };
  } catch (e) {
    return { note: `not available: loading test/tamper failed: ${(e as Error).message}` };
  }
}
